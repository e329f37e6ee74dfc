"""Titles and descriptions that state a threshold follow the values in force.

A catalog title such as "More than 10 ... within 20 minutes" is written for the catalog's own
threshold; with a values file that sets 15, the deployed alert must say 15. The count is found
after "more than" / "fewer than" (and the like), the window as "20 minutes" or "20-minute"; only
numbers equal to the catalog's own threshold are restated, so other numbers in the text stay.
"""

from __future__ import annotations

import re

from coralogix_pack.catalog.model import WINDOW_SECONDS, Threshold

_COUNT = re.compile(r"(?i)\b(more than|fewer than|less than|over|at least|at most)(\s+)(\d+)\b")
_WINDOW = re.compile(r"\b(\d+)([- ])(minutes?|hours?)\b")


def _window_parts(window: str) -> tuple[int, str]:
    seconds = WINDOW_SECONDS[window]
    return (seconds // 3600, "hour") if seconds % 3600 == 0 else (seconds // 60, "minute")


def stated_counts(text: str) -> list[int]:
    return [int(m.group(3)) for m in _COUNT.finditer(text)]


def stated_windows(text: str) -> list[int]:
    """Windows stated in ``text``, in seconds."""
    return [int(m.group(1)) * (3600 if m.group(3).startswith("hour") else 60) for m in _WINDOW.finditer(text)]


def window_words(window: str) -> dict[str, str]:
    """``{"text": "20 minutes", "adjective": "20-minute"}`` for a window value."""
    amount, unit = _window_parts(window)
    return {"text": f"{amount} {unit}{'' if amount == 1 else 's'}", "adjective": f"{amount}-{unit}"}


def slots(text: str, written_for: Threshold) -> list[tuple[str, str]]:
    """``text`` cut where it states ``written_for``: ("text", literal), ("count", ""), ("window", "text")
    or ("window", "adjective") parts, so another renderer (the Terraform module) can fill them in."""
    amount, unit = _window_parts(written_for.window)
    marks: list[tuple[int, int, tuple[str, str]]] = []
    for m in _COUNT.finditer(text):
        if int(m.group(3)) == written_for.count:
            marks.append((m.start(3), m.end(3), ("count", "")))
    for m in _WINDOW.finditer(text):
        if int(m.group(1)) == amount and m.group(3).startswith(unit):
            marks.append((m.start(), m.end(), ("window", "adjective" if m.group(2) == "-" else "text")))
    parts: list[tuple[str, str]] = []
    at = 0
    for start, end, slot in sorted(marks):
        parts += [("text", text[at:start]), slot]
        at = end
    return [*parts, ("text", text[at:])]


def restate(text: str, written_for: Threshold | None, in_force: Threshold | None) -> str:
    """``text`` with the catalog's count and window replaced by the ones in force."""
    if written_for is None or in_force is None or written_for == in_force:
        return text
    if in_force.count != written_for.count:
        text = _COUNT.sub(
            lambda m: (
                m.group(0)
                if int(m.group(3)) != written_for.count
                else f"{m.group(1)}{m.group(2)}{in_force.count}"
            ),
            text,
        )
    if in_force.window != written_for.window:
        old_amount, old_unit = _window_parts(written_for.window)
        amount, unit = _window_parts(in_force.window)

        def window(m: re.Match[str]) -> str:
            if int(m.group(1)) != old_amount or not m.group(3).startswith(old_unit):
                return m.group(0)
            hyphen = m.group(2) == "-"
            plural = "" if hyphen or amount == 1 else "s"
            return f"{amount}{m.group(2)}{unit}{plural}"

        text = _WINDOW.sub(window, text)
    return text


def contradictions(text: str, threshold: Threshold) -> list[str]:
    """What ``text`` states that its own threshold does not say (for `pack validate`)."""
    found = [
        f"says {n} where the threshold count is {threshold.count}"
        for n in stated_counts(text)
        if n != threshold.count
    ]
    window = WINDOW_SECONDS[threshold.window]
    found += [
        f"says a {s // 60}-minute window where the threshold window is {threshold.window}"
        for s in stated_windows(text)
        if s != window
    ]
    return found
