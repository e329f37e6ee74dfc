"""Lucene wildcard terms (``*`` any run, ``?`` one character) matched without backtracking."""

from __future__ import annotations

import re


class Glob:
    """A Lucene wildcard pattern (``*`` any run, ``?`` one character) matched in time linear in
    the value per piece: the pieces between stars are found left to right, never by a regular
    expression with several ``.*`` (which backtracks exponentially on a long near-miss)."""

    __slots__ = ("first", "last", "middle", "single", "tail_length")

    def __init__(self, value: str, flags: int):
        texts = value.split("*")
        pieces = [re.compile(_piece(p), flags | re.DOTALL) for p in texts]
        self.single = pieces[0] if len(pieces) == 1 else None
        self.first, self.last, self.middle = pieces[0], pieces[-1], pieces[1:-1]
        self.tail_length = len(texts[-1])  # one character per literal or ``?``

    def fullmatch(self, text: str) -> bool:
        if self.single is not None:
            return self.single.fullmatch(text) is not None
        head = self.first.match(text)
        if head is None:
            return False
        at = head.end()
        for piece in self.middle:
            found = piece.search(text, at)
            if found is None:
                return False
            at = found.end()
        tail_start = len(text) - self.tail_length
        return tail_start >= at and self.last.match(text, tail_start) is not None


def _piece(text: str) -> str:
    return "".join("." if c == "?" else re.escape(c) for c in text)
