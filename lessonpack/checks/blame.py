"""Victim-blaming language (UKCIS guidance): in pupils' and teachers' text alike.

Judged by pattern, not only by a phrase list: hindsight aimed at the targeted person
("she should have kept AirDrop switched off", "why didn't you tell", "if only you had",
"he was silly to…") is an error wherever it is printed – pupils' text, teacher notes,
model answers, the key questions and messages.  The same shapes aimed at the offender
("the person who did this should not have done it") and warnings or negations ("never
ask 'why did you…'", "it is never your fault") pass.  data/language.yml's `blame`
phrases are still matched for what the patterns do not cover ("asking for it").
"""

from __future__ import annotations

import re

from ..errors import Problem
from .language import word_pattern

CODE = "blame"
# A phrase quoted in order to warn against it, or negated ("never your own fault").
NEGATION = re.compile(r"(?i)\b(never|not|no|avoid|don['’]t|do not|isn['’]t|wasn['’]t|nobody|no one|"
                      r"instead of|rather than)\b")
SENTENCE_START = re.compile(r"[.!?;]\s")
PERSON = r"(?:you|she|he|they|i|we)"
# Hindsight: "should have"/"shouldn't have"/"should not have"/"ought to have" + a past
# participle – not "should have a trusted adult" or "should have to".
HINDSIGHT = re.compile(
    r"(?i)\b(?:should|ought\s+to)(?:\s*n['’]t|\s+not|\s+never)?\s+(?:have|['’]ve)\b|\bshould['’]ve\b|\bshouldn['’]t['’]ve\b")
NOT_A_PARTICIPLE = re.compile(r"(?i)\s+(?:to|a|an|the|some|any|someone|somebody|something|"
                              r"your|their|his|her|my|our|one|time|help|support|access|people|"
                              r"nothing|no|rights?|fun)\b")
PATTERNS = (
    (re.compile(rf"(?i)\bwhy\s+(?:did|didn['’]t|did\s+not|would|wouldn['’]t|were|weren['’]t|"
                rf"was|wasn['’]t)\s+{PERSON}\b"),
     "asking a child why they did or did not do something makes them feel to blame; ask what happened instead"),
    (re.compile(rf"(?i)\bif\s+only\s+{PERSON}\s*(?:had|['’]d|hadn['’]t|had\s+not|did|didn['’]t)\b"),
     "hindsight puts the blame on the child; say what they can do now"),
    (re.compile(rf"(?i)\b{PERSON}\s+(?:was|were|is|are|['’]re|['’]s)\s+(?:so\s+|really\s+|very\s+|a\s+bit\s+)?"
                r"(?:stupid|silly|foolish|naive|naïve|careless|daft|dumb|gullible)\b"),
     "calling a choice stupid or silly blames the child and stops them asking for help"),
)
HINDSIGHT_REASON = ("hindsight ('should have…') aimed at the person targeted blames them; children "
                    "can never be expected to predict or prevent abuse – say what they can do now")
# Who the sentence is about: an offender as subject excuses "should not have done it".
OFFENDER = re.compile(r"(?i)\b(?:offenders?|abusers?|groomers?|blackmailers?|criminals?|scammers?|"
                      r"perpetrators?|bull(?:y|ies)|whoever|(?:person|people|adult|man|woman|someone|"
                      r"one|account)\s+(?:who|that)\s+(?:did|does|sent|shared|made|asked|threatened|"
                      r"groomed|pressured|posted|took|tricked|blackmailed|is\s+doing|was\s+doing))\b")
CLAUSE_START = re.compile(r"[.!?;:,]\s|\b(?:and|but|so|because|then|while|when)\s", re.I)


def _sentence_before(text: str, at: int, pattern: re.Pattern = SENTENCE_START) -> str:
    before = text[:at]
    starts = [m.end() for m in pattern.finditer(before)]
    return before[starts[-1]:] if starts else before


SPEAKER = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?(?:\*\*)?([\w .'’-]{1,40}?)(?:\*\*)?\s*:(?:\*\*)?\s")
CAST_ROW = re.compile(r"^\|\s*([^|]+?)\s*\|\s*([^|]*)\|")
OFFENDER_ROLE = re.compile(r"(?i)^\s*fake\b|person doing wrong|\boffender\b|\bgroomer\b|\bblackmailer\b")


def offender_names(cast_md: str) -> tuple[str, ...]:
    """Names docs/cast.md gives to the people doing wrong (fake accounts, groomers)."""
    names = []
    for line in cast_md.split("\n"):
        row = CAST_ROW.match(line)
        if row and OFFENDER_ROLE.search(row.group(2)):
            names += [n.strip() for n in row.group(1).split(",") if n.strip()]
    return tuple(names)


def _blaming_hindsight(text: str, match: re.Match, offenders: tuple[str, ...]) -> bool:
    if NOT_A_PARTICIPLE.match(text, match.end()):
        return False
    if NEGATION.search(_sentence_before(text, match.start())):
        return False
    subject = _sentence_before(text, match.start(), CLAUSE_START)
    if any(re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", subject) for name in offenders):
        return False
    return not OFFENDER.search(subject)


def findings(text: str, phrases: dict, offenders: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(words found, reason) for every blaming shape in one line of text; `offenders`
    are character names of people doing wrong (docs/cast.md): they may be blamed, and
    their own lines in a chat or story ("Jay_Goals: why didn't you reply?") model a
    tactic pupils learn to spot."""
    speaker = SPEAKER.match(text)
    if speaker and speaker.group(1).strip() in offenders:
        return []
    out: list[tuple[str, str]] = []
    covered: list[tuple[int, int]] = []
    for match in HINDSIGHT.finditer(text):
        covered.append(match.span())
        if _blaming_hindsight(text, match, offenders):
            out.append((match.group(0), HINDSIGHT_REASON))
    for pattern, reason in PATTERNS:
        for match in pattern.finditer(text):
            covered.append(match.span())
            if not NEGATION.search(_sentence_before(text, match.start())):
                out.append((match.group(0), reason))
    for phrase, reason in phrases.items():
        for match in word_pattern(phrase).finditer(text):
            if any(start < match.end() and match.start() < end for start, end in covered):
                continue   # judged above, with the subject in view
            if not NEGATION.search(_sentence_before(text, match.start())):
                out.append((match.group(0), reason))
    return out


def _teacher_front_matter(lesson) -> list[tuple[int, str]]:
    """(line, text) of the front matter printed in "Lesson at a glance"."""
    lines = lesson.path.read_text(encoding="utf-8").split("\n")
    keys = [k for k in lesson.lines if "." in k and
            k.split(".")[0] in ("key_questions", "key_messages", "resources")]
    return sorted({(lesson.lines[k], lines[lesson.lines[k] - 1]) for k in keys})


def check(subject, phrases: dict, offenders: tuple[str, ...] = ()) -> list[Problem]:
    lesson = subject.lesson
    problems = []
    for line, text in subject.all_lines() + _teacher_front_matter(lesson):
        for words, reason in findings(text, phrases, offenders):
            problems.append(Problem(lesson.shown, line,
                                    f"victim-blaming language '{words}': {reason}", code=CODE))
    return problems
