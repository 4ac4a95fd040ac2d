"""The standard safeguarding text in data/safeguarding.yml, its shape checked field by field."""

from __future__ import annotations

from pathlib import Path

from .errors import Problem, ProblemsFound
from .yamlfile import load_yaml_mapping, shape_problems

TEXTS = [str]
ROUTINE = {"*": str}                  # intro, default_place, pupils_adult, …
SHAPE = {
    "reassurance": {"*": TEXTS},      # per key stage, and "parents"
    "ground_rules": TEXTS,
    "distancing": TEXTS,
    "disclosure_steps": TEXTS,
    "check_in": str,
    "step_out": {"primary": ROUTINE, "secondary": ROUTINE, "default_follow_up": str},
    "further_resources": {"*": str},
    "class_ground_rules": {"*": TEXTS},
}
REQUIRED = ("reassurance", "ground_rules", "distancing", "disclosure_steps", "check_in",
            "step_out", "further_resources", "class_ground_rules")
AUDIENCES = ("ks1", "ks2", "ks3", "ks4", "parents")    # each has its "Remember" box


def load_safeguarding(path: Path, shown: str | None = None) -> dict:
    """Read data/safeguarding.yml; every field that is not what the documents print
    (text, a list of text) is reported at once, with its line."""
    shown = shown or str(path)
    data, lines = load_yaml_mapping(path, shown)
    problems = [Problem(shown, None, f"missing '{key}'") for key in REQUIRED if key not in data]
    problems += shape_problems(data, SHAPE, "", lines, shown)
    reassurance = data.get("reassurance")
    if isinstance(reassurance, dict):
        problems += [Problem(shown, lines.get("reassurance"), f"'reassurance': missing '{ks}'")
                     for ks in AUDIENCES if ks not in reassurance]
    if problems:
        raise ProblemsFound(problems)
    return data
