"""`lessonpack new`: a lesson skeleton with every section and TODO markers.

`check` reports every TODO line, so a scaffold cannot be printed by accident
until each one is filled in.
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
  - "I can TODO: what pupils will be able to do"
keywords:
  - "TODO: a new word: what it means, in words for this age"
signposting: [{signposting}]
curriculum: [{curriculum}]
sources:
  - "TODO: where the facts come from (shared/reference/safeguarding-facts.md §…)"
reviewed: {today}
review_by: {review_by}
---

## Starter {{10 min}}

::: teacher
TODO: how to run the starter. Remind the class of the ground rules.
:::

::: baseline
- TODO: a statement pupils judge before the lesson (and again at the end).
- TODO: another statement.
- TODO: a third statement.
:::

::: answer
TODO: the expected answers.
:::

## Activity 1: TODO {{20 min}}

::: scenario TODO: a fictional character's story
TODO: a short story with fictional characters ("What could Sam do?").
:::

::: student
TODO: a question about the story.

::: lines 3
:::

::: answer
TODO: model answers.
:::

## Activity 2: TODO {{15 min}}

::: student
TODO: sort each card into safe, not sure or unsafe.

::: sort
- TODO: a card
- TODO: another card
:::
:::

::: answer
TODO: model answers.
:::

## What I know now {{10 min}}

::: teacher
TODO: pupils answer the baseline again at the end of the worksheet; how to read the change.
:::

## Plenary {{5 min}}

TODO: the key message, in words for this age.

::: remember
It is never your fault. You will not be in trouble for telling.
:::

::: teacher
## Teacher notes

### Before you teach
TODO: ground rules for this lesson, distancing, the anonymous question box.

### Likely questions
TODO: questions pupils may ask, with suggested answers.

### Signs a child may need help
TODO: what to look for, and what to do: listen, don't promise secrecy, record the
child's own words, tell the DSL the same day.

### Adapting for SEND
TODO: how to adapt the lesson.

This lesson is written for England's curriculum; the helplines work across the UK.
:::
"""


def scaffold(project: Project, key_stage: str, topic: str, *, force: bool = False,
             today: dt.date | None = None) -> Path:
    """Write lessons/<ks>/<topic>.md from the template; refuse to overwrite unless forced."""
    path = project.lessons / key_stage / f"{topic}.md"
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
