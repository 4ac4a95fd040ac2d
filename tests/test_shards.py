"""`build --shard I/N`: disjoint, complete (packs included), deterministic and balanced."""

from __future__ import annotations

import json
import random

import pytest
from conftest import lesson_md
from hypothesis import given, settings, strategies as st

from lessonpack.plan import VARIANTS, Job, cost, plan, shard

KS_TOPICS = {"ks1": ("grooming", "isolation", "reporting"),
             "ks2": ("grooming", "isolation", "reporting"),
             "ks3": ("grooming", "isolation", "reporting", "sextortion", "ai-imagery"),
             "ks4": ("grooming", "isolation", "reporting", "sextortion", "ai-imagery")}


def full_plan(variants=("standard",)) -> list[Job]:
    """The jobs of the real project's shape: 16 lessons, the guide, 4 packs, 4 class sets."""
    jobs = []
    for variant in variants:
        for ks, topics in KS_TOPICS.items():
            for topic in topics:
                for kind in ("worksheet", "teacher-notes"):
                    jobs.append(Job(f"{ks}/{ks}-{topic}-{kind}.pdf", kind, ks, f"{ks}-{topic}", variant))
            jobs.append(Job(f"{ks}/{ks}-pack.pdf", "pack", ks, None, variant))
            jobs.append(Job(f"{ks}/{ks}-worksheets.pdf", "worksheets", ks, None, variant))
        jobs.append(Job("parents/parents-guide.pdf", "parents-guide", None, "parents-guide", variant))
    return jobs


jobs_strategy = st.lists(st.sampled_from(full_plan(VARIANTS)), unique=True, max_size=60)


@settings(max_examples=150, deadline=None)
@given(jobs=jobs_strategy, count=st.integers(1, 7), seed=st.integers(0, 1000))
def test_shards_partition_the_jobs_whatever_their_order(jobs, count, seed):
    shuffled = jobs[:]
    random.Random(seed).shuffle(shuffled)
    slices = [shard(jobs, i, count) for i in range(1, count + 1)]
    # disjoint, and together exactly the full set
    assert sum(len(s) for s in slices) == len(jobs)
    assert set().union(*map(set, slices)) == set(jobs)
    # deterministic: the order the jobs arrive in does not matter
    assert [shard(shuffled, i, count) for i in range(1, count + 1)] == slices


def test_packs_are_spread_over_the_shards_and_work_is_balanced():
    jobs = full_plan()
    slices = [shard(jobs, i, 3) for i in (1, 2, 3)]
    packs = [sum(1 for j in s if j.kind == "pack") for s in slices]
    assert sorted(packs) == [1, 1, 2]      # round-robin by path put 0, 2 and 2
    # a pack and class set share a shard with every document they are assembled from
    for s in slices:
        for job in s:
            if job.kind in ("pack", "worksheets"):
                assert {j for j in jobs if j.key_stage == job.key_stage} <= set(s)
    loads = [sum(cost(j, jobs) for j in s) for s in slices]
    # greedy largest-first over key stages: no shard is more than one key stage above another
    biggest = max(sum(cost(j, jobs) for j in jobs if j.key_stage == ks) for ks in KS_TOPICS)
    assert max(loads) - min(loads) <= biggest
    # a pack lays out only its cover and contents: it costs what one document costs
    assert cost(Job("ks3/ks3-pack.pdf", "pack", "ks3", None), jobs) == 1


@pytest.mark.parametrize("spec", ["0/3", "4/3", "1/0", "a/b", "1"])
def test_bad_shard_spec_is_a_usage_error(make_project, cli, spec):
    result = cli(make_project(), "build", "--jobs", "1", "--shard", spec)
    assert result.exit_code == 2
    assert f"Invalid value for '--shard': {spec!r} is not a shard like 1/3" in result.output


def test_shard_builds_together_equal_the_full_build(make_project, cli):
    root = make_project({"ks1/grooming.md": lesson_md("ks1", "grooming"),
                         "ks2/grooming.md": lesson_md("ks2", "grooming"),
                         "ks2/isolation.md": lesson_md("ks2", "isolation")})
    full = root / "full"
    assert cli(root, "build", "--jobs", "1", "--out", full).exit_code == 0
    documents = {d["path"]: d for d in json.loads((full / "manifest.json").read_text())["documents"]}
    assert {"ks1/ks1-pack.pdf", "ks2/ks2-pack.pdf", "ks2/ks2-worksheets.pdf"} <= set(documents)

    seen: dict[str, dict] = {}
    for i in (1, 2, 3):
        out = root / f"shard-{i}"
        result = cli(root, "build", "--jobs", "1", "--shard", f"{i}/3", "--out", out)
        assert result.exit_code == 0, result.output
        listed = json.loads((out / "manifest.json").read_text())["documents"]
        on_disk = sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                         if p.suffix in (".pdf", ".pptx"))
        assert sorted(d["path"] for d in listed) == on_disk    # each manifest: its own files
        # a key stage's worksheets and teacher notes go with its pack and class set, which
        # are assembled from them (slides are independent and fill the shards up)
        paths = {d["path"] for d in listed}
        for pack in [p for p in paths if p.endswith("-pack.pdf")]:
            ks = pack.split("/")[0]
            group = {p for p in documents if p.startswith(f"{ks}/") and
                     (p.endswith(("-worksheet.pdf", "-teacher-notes.pdf", "-worksheets.pdf")))}
            assert group <= paths, f"shard {i}: {pack} without {sorted(group - paths)}"
        for d in listed:
            assert d["path"] not in seen, f"{d['path']} is in two shards"
            seen[d["path"]] = d
    # union = the full set, byte for byte (same sha256 as the full build)
    assert seen == documents
