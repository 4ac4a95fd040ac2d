"""YAML read safely, with the line of every key, so errors can name their place."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from .errors import Problem, ProblemsFound

MAX_YAML_BYTES = 1024 * 1024


def parse_yaml(text: str, path: str, *, first_line: int = 1
               ) -> tuple[object, dict[str, int], list[Problem]]:
    """Parse `text` with the safe loader.

    Returns the data, a map from dotted key path ("dsl.phone", "contacts.0.name")
    to its 1-based line in the file, and the problems found (malformed YAML,
    duplicate keys, anchors).  Data is None when the text could not be parsed.
    """
    offset = first_line - 1
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, {}, []
            lines: dict[str, int] = {}
            problems: list[Problem] = []
            _walk(node, "", lines, problems, path, offset, set())
            if problems:
                return None, lines, problems
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + offset if mark else None
        what = exc.problem or exc.context or "malformed YAML"
        start = exc.context_mark.line + 1 + offset if exc.context_mark else None
        if exc.problem and exc.context and start and start != line:
            # YAML notices an unclosed [ or ' lines later; name where it was opened too.
            what += f" ({exc.context} on line {start})"
        return None, {}, [Problem(path, line, f"malformed YAML: {what}")]
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        # e.g. a date like 2026-13-45 that the safe constructor rejects.
        return None, {}, [Problem(path, first_line, f"malformed YAML: {exc}")]
    except RecursionError:
        # PyYAML composes nested lists/mappings recursively: `[[[[…` must fail here, not crash.
        return None, {}, [Problem(path, first_line, "malformed YAML: lists or mappings "
                                                    "nested too deeply")]
    return data, lines, []


def _walk(node, prefix: str, lines: dict, problems: list, path: str, offset: int,
          seen: set) -> None:
    if id(node) in seen:
        problems.append(Problem(path, node.start_mark.line + 1 + offset,
                                "YAML anchors and aliases (& and *) are not supported; write the value out"))
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            if key_node.tag == "tag:yaml.org,2002:merge":
                problems.append(Problem(path, key_node.start_mark.line + 1 + offset,
                                        "YAML merge keys (<<) are not supported"))
                continue
            dotted = f"{prefix}.{key}" if prefix else str(key)
            line = key_node.start_mark.line + 1 + offset
            if dotted in lines:
                problems.append(Problem(path, line, f"'{dotted}': duplicate key (first on line {lines[dotted]})"))
            else:
                lines[dotted] = line
            _walk(value_node, dotted, lines, problems, path, offset, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            dotted = f"{prefix}.{i}" if prefix else str(i)
            lines.setdefault(dotted, item.start_mark.line + 1 + offset)
            _walk(item, dotted, lines, problems, path, offset, seen)


def read_text(path: Path, shown: str, *, limit: int) -> tuple[str | None, list[Problem]]:
    """Read a UTF-8 text file no larger than `limit`; problems name the byte offset."""
    try:
        # Read at most one byte past the limit: the file may grow between a stat and a read,
        # and a device or a FIFO has no honest size at all.
        with open(path, "rb") as fh:
            raw = fh.read(limit + 1)
        if len(raw) > limit:
            size = max(path.stat().st_size, len(raw))
            # Rounded up, so a file just over the limit never reads "256 KiB; the limit is 256 KiB".
            return None, [Problem(shown, None, f"file is {-(-size // 1024)} KiB; the limit is "
                                               f"{limit // 1024} KiB – split it into smaller files")]
    except OSError as exc:
        return None, [Problem(shown, None, f"cannot read file: {exc.strerror or exc}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return None, [Problem(shown, line, f"not valid UTF-8 text (byte {exc.start}); "
                                           "save the file as UTF-8")]
    return text.removeprefix("\ufeff"), []


def load_yaml_mapping(path: Path, shown: str | None = None) -> tuple[dict, dict[str, int]]:
    """Load a YAML file that must be a mapping, or raise ProblemsFound."""
    shown = shown or str(path)
    text, problems = read_text(path, shown, limit=MAX_YAML_BYTES)
    if text is None:
        raise ProblemsFound(problems)
    data, lines, problems = parse_yaml(text, shown)
    if problems:
        raise ProblemsFound(problems)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ProblemsFound([Problem(shown, 1, "expected a mapping of keys to values")])
    return data, lines


# --- the shape of a data file --------------------------------------------------------------
# A shape is `str` (text), `bool`, `dt.date`, `[shape]` (a list of that shape) or a dict of
# key → shape ("*" for any key).  Keys a shape does not name are left alone; REQUIRED keys
# are named by the caller.

def _kind(value) -> str:
    """What YAML made of a value, in words a teacher editing the file knows."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (dt.date, dt.datetime)):
        return "a date"
    if isinstance(value, (int, float)):
        return "a number"
    return "nothing" if value is None else type(value).__name__


def shape_problems(value, shape, key: str, lines: dict[str, int], shown: str) -> list[Problem]:
    """Every place where `value` (found at dotted `key`) is not of `shape`.  A mapping where
    text belongs is what YAML makes of an unquoted 'Note: …', hence the hint."""
    line = lines.get(key)
    named = _field(key)
    if shape is str:
        if isinstance(value, str):
            return []
        return [Problem(shown, line, f"{named} must be text, got {_kind(value)} "
                                     "(put the text in quotes)")]
    if shape is bool or shape is dt.date:
        ok = isinstance(value, shape) and not (shape is dt.date and isinstance(value, dt.datetime))
        want = "true or false" if shape is bool else "a date like 2026-11-25"
        return [] if ok else [Problem(shown, line, f"{named} must be {want}, got {_kind(value)}")]
    if isinstance(shape, list):
        if not isinstance(value, list):
            return [Problem(shown, line, f"{named} must be a list, got {_kind(value)}")]
        return [p for i, item in enumerate(value)
                for p in shape_problems(item, shape[0], f"{key}.{i}", lines, shown)]
    if not isinstance(value, dict):
        return [Problem(shown, line, f"{named} must be a mapping of keys to values, got "
                                     f"{_kind(value)}")]
    return [p for k, v in value.items() if k in shape or "*" in shape
            for p in shape_problems(v, shape.get(k, shape.get("*")), f"{key}.{k}" if key else str(k),
                                    lines, shown)]


def _field(key: str) -> str:
    """'reassurance.ks2.2' → 'reassurance.ks2 (item 3)': list items counted from 1."""
    parts = key.split(".")
    if parts and parts[-1].isdigit():
        return f"{'.'.join(parts[:-1])} (item {int(parts[-1]) + 1})"
    return key
