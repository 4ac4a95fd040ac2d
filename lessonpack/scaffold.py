"""`lessonpack new`: a lesson skeleton with every section and TODO markers.

`check` reports every TODO line, so a scaffold cannot be printed by accident
until each one is filled in.  The skeleton already has what `check` asks for once
filled: timed activities adding up to the lesson, one `::: baseline`, the "Lesson at a
glance" lists, a public source.  It prints no "never your fault" box of its own: every
worksheet gets the automatic Remember box.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .errors import LessonpackError
from .project import Project
from .yamlfile import load_yaml_mapping

TEMPLATE = """\
---
id: {ks}-{topic}
title: "TODO: a short title pupils understand"
key_stage: {ks}
topic: {topic}
duration_minutes: 60
objectives:
  - "I can TODO: say what pupils will be able to do"
keywords:
  - "TODO: a new word: what it means, in words for this age"
signposting: [{signposting}]
curriculum: [{curriculum}]
sources:
  - "TODO: the public page each fact comes from, as Name – Title: https://… (for example NSPCC – Report abuse: https://www.nspcc.org.uk/what-you-can-do/report-abuse/)"
resources:
  - "TODO: Worksheet (one per pupil)"
  - "TODO: Anonymous question box"
key_questions:
  - "TODO: A question to ask the class?"
key_messages:
  - "TODO: A message every pupil should leave with."
reviewed: {today}
review_by: {review_by}
---

## Starter {{10 min}}

::: teacher
TODO: how to run the starter. Revisit the ground rules (see the safeguarding box).
Pupils fill in the table first; they fill it in again at the end.
:::

::: baseline
- TODO: A short statement pupils think is true or false.
- TODO: Another statement.
- TODO: A third statement.
:::

::: answer
TODO: The answer to each statement.
:::

## Activity 1: TODO {{20 min}}

::: scenario TODO: a story about a made-up character
TODO: A short story about one made-up character (pick a name from docs/cast.md).
:::

::: student
TODO: A question about the story.

::: lines 3
:::

::: answer
TODO: A model answer.
:::

## Activity 2: TODO {{20 min}}

::: student
TODO: Sort each card into safe, not sure or unsafe.

::: sort
- TODO: A card.
- TODO: Another card.
:::
:::

::: answer
TODO: The model answers.
:::

## What I know now {{10 min}}

TODO: The key message, in words for this age.

::: teacher
TODO: Pupils fill in the table from the start again. Say how to read the change.
:::

::: teacher
## Teacher notes

### Likely questions
TODO: Questions pupils may ask, with suggested answers.

### Signs a child may need help
TODO: What to look for, and what to do: listen, don't promise secrecy, record the
child's own words, tell the DSL straight away (always the same day).

### Adapting for SEND
TODO: How to adapt the lesson.
:::
"""


def scaffold(project: Project, key_stage: str, topic: str, *, force: bool = False,
             today: dt.date | None = None, folder: Path | None = None) -> Path:
    """Write <ks>/<topic>.md under folder (default the project's lessons/) from the
    template; refuse to overwrite unless forced."""
    path = (folder or project.lessons) / key_stage / f"{topic}.md"
    if path.exists() and not force:
        raise LessonpackError(f"{project.shown(path)} already exists (use --force to overwrite it)")
    today = today or dt.date.today()
    review_by = dt.date(today.year + (1 if today.month >= 9 else 0), 9, 1)
    curriculum, _ = load_yaml_mapping(project.data("curriculum.yml"))
    refs = [rid for rid, ref in curriculum.items() if key_stage in ref.get("key_stages", [])][:2]
    signposting = "childline" if key_stage == "ks1" else "childline, ceop"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TEMPLATE.format(ks=key_stage, topic=topic, signposting=signposting,
                                    curriculum=", ".join(refs), today=today.isoformat(),
                                    review_by=review_by.isoformat()), encoding="utf-8")
    return path
