"""The helpline registry in data/helplines.yml: lookup and formatting."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import Problem, ProblemsFound
from .yamlfile import load_yaml_mapping, shape_problems

REQUIRED = ("name", "for", "verified", "source")
OPTIONAL = ("phone", "web", "email", "note", "qr", "for_young", "phone_words", "web_words")
FIELDS = ("name", "phone", "web", "email")
# what each field must be (a number typed without quotes loses its leading 0 or spaces)
SHAPE = {**{k: str for k in REQUIRED + OPTIONAL}, "verified": dt.date, "qr": bool}
REF_RE = re.compile(r"\[\[\s*([a-z0-9-]+)(?:\.([a-z]+))?\s*\]\]")


@dataclass(frozen=True)
class Helpline:
    """One service children, parents or staff can contact."""

    id: str
    name: str
    for_: str
    verified: dt.date
    source: str
    phone: str | None = None
    web: str | None = None
    email: str | None = None
    note: str | None = None
    qr: bool = False
    for_young: str | None = None
    phone_words: str | None = None   # "Call free on" – the words before the number ("Call")
    web_words: str | None = None     # "or chat online at" – between number and address ("·")

    def for_key_stage(self, key_stage: str | None) -> str:
        """Who it is for, in words that fit the key stage."""
        if key_stage in ("ks1", "ks2") and self.for_young:
            return self.for_young
        return self.for_

    @property
    def url(self) -> str | None:
        """The web address as a link target."""
        return f"https://{self.web}" if self.web else None

    def short(self) -> str:
        """'Childline (0800 1111, childline.org.uk)' – the form used in running text."""
        parts = [p for p in (self.phone, self.web) if p]
        return f"{self.name} ({', '.join(parts)})" if parts else self.name

    def field(self, name: str | None) -> str | None:
        """The text a [[id.field]] reference prints, or None if there is no such field."""
        if name is None:
            return self.short()
        if name in FIELDS:
            return getattr(self, name)
        return None


class Registry(dict):
    """All helplines by id, in file order."""

    def numbers(self) -> set[str]:
        """Every phone number in the registry, digits only."""
        return {re.sub(r"\D", "", h.phone) for h in self.values() if h.phone}

    def webs(self) -> set[str]:
        """Every web address in the registry, lower case, without scheme or 'www.'."""
        return {h.web.lower() for h in self.values() if h.web}

    def resolve(self, ref_id: str, field: str | None) -> str | None:
        """Text for [[ref_id.field]], or None when the id or field is unknown."""
        helpline = self.get(ref_id)
        return helpline.field(field) if helpline else None


def load_registry(path: Path, shown: str | None = None) -> Registry:
    """Read and validate data/helplines.yml; every problem is reported at once."""
    shown = shown or str(path)
    data, lines = load_yaml_mapping(path, shown)
    problems: list[Problem] = []
    registry = Registry()
    for hid, entry in data.items():
        line = lines.get(hid)
        if not isinstance(entry, dict):
            problems.append(Problem(shown, line, f"'{hid}': expected a mapping of fields"))
            continue
        missing = [k for k in REQUIRED if k not in entry]
        unknown = [k for k in entry if k not in REQUIRED + OPTIONAL]
        problems += [Problem(shown, line, f"'{hid}': missing '{k}'") for k in missing]
        problems += [Problem(shown, line, f"'{hid}.{k}': unknown field") for k in unknown]
        if not (entry.get("phone") or entry.get("web")):
            problems.append(Problem(shown, line, f"'{hid}': needs a phone or a web address"))
        # every field as the documents print it: an unquoted "Note: …" is a mapping
        wrong = shape_problems({k: v for k, v in entry.items() if v is not None}, SHAPE, hid,
                               lines, shown)
        problems += wrong
        if missing or unknown or wrong:
            continue
        registry[hid] = Helpline(
            id=hid, name=str(entry["name"]), for_=str(entry["for"]),
            verified=entry["verified"], source=str(entry["source"]),
            phone=_text(entry.get("phone")), web=_text(entry.get("web")),
            email=_text(entry.get("email")), note=_text(entry.get("note")),
            qr=bool(entry.get("qr", False)), for_young=_text(entry.get("for_young")),
            phone_words=_text(entry.get("phone_words")), web_words=_text(entry.get("web_words")))
    if problems:
        raise ProblemsFound(problems)
    return registry


def _text(value) -> str | None:
    return None if value is None else str(value)
