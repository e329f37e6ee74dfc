"""Reading values out of a log record: field paths, text of a value, tokens. Shared by the
evaluator and the prefilter, so both see a record exactly the same way."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

TOKEN = re.compile(r"[^\W_]+")


def tokens(text: str, fold: bool) -> tuple[str, ...]:
    return tuple(TOKEN.findall(text.casefold() if fold else text))


def as_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return None


def leaves(value: Any, path: tuple[str, ...]) -> Iterator[Any]:
    """Values at ``path``; literal dotted keys and nested objects both resolve; arrays fan out.

    Iterative (a stack of pending (value, remaining path) pairs): a record nested a thousand
    levels deep must not exhaust Python's recursion limit.
    """
    stack = [(value, path)]
    while stack:
        current, rest = stack.pop()
        if isinstance(current, list):
            stack.extend((item, rest) for item in reversed(current))
        elif not rest:
            if current is not None:
                yield current
        elif isinstance(current, dict):
            found = []
            for cut in range(len(rest), 0, -1):
                key = ".".join(rest[:cut])
                if key in current:
                    found.append((current[key], rest[cut:]))
            stack.extend(reversed(found))


def all_leaves(value: Any) -> Iterator[Any]:
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            stack.extend(reversed(list(current.values())))
        elif isinstance(current, list):
            stack.extend(reversed(current))
        elif current is not None:
            yield current
