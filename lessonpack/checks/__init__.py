"""Content gates: one module per concern, each yielding Problems with path:line."""

from __future__ import annotations


def run_checks(project, inputs, *, strict: bool = False, today=None) -> list:
    """Every finding on the chosen lessons, errors and warnings."""
    return []
