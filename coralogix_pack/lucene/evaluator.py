"""Evaluate Coralogix Lucene queries against JSON records, offline.

Each query is compiled once into a tree of small matcher objects; a record is
wrapped in a Document that caches the tokens of every field it is asked for,
so one record is tokenised at most once per field however many terms look at it.

Semantics (see docs/testing.md, "Evaluator semantics"):
- a text value is split into tokens on every character that is not a letter or
  a digit; a term matches a field when it equals one of its tokens, a phrase when
  its tokens appear consecutively; ``*`` and ``?`` wildcards apply to one token;
- ``field.keyword`` compares the whole value, ``field.numeric`` compares numbers;
- ranges compare numbers when both sides are numbers, text otherwise;
- ``_exists_:f`` holds when f has a value other than null (``""`` counts);
- dotted paths walk nested objects and also match literal dotted keys; arrays
  match when any element matches; NOT of a missing field holds;
- case-insensitive by default; case-sensitive compares exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from luqum.tree import (
    AndOperation,
    BaseGroup,
    From,
    Item,
    Not,
    OrOperation,
    Phrase,
    Plus,
    Prohibit,
    Range,
    SearchField,
    To,
    UnknownOperation,
    Word,
)

from coralogix_pack.lucene.fields import EXISTS_FIELD
from coralogix_pack.lucene.records import all_leaves, as_text, leaves, tokens
from coralogix_pack.lucene.syntax import parse
from coralogix_pack.lucene.wildcards import Glob

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_MISSING = object()


class UnsupportedQuery(ValueError):
    """The query uses a construct the evaluator cannot judge; never a silent no-match."""

    def __init__(self, node: Item, reason: str):
        self.column = (node.pos or 0) + 1
        super().__init__(f"column {self.column}: {reason}: {str(node).strip()!r}")


class Document:
    """A record plus caches of its field values and tokens for one evaluation."""

    __slots__ = ("_texts", "_tokens", "fold", "record")

    def __init__(self, record: dict[str, Any], fold: bool):
        self.record = record
        self.fold = fold
        self._texts: dict[str, list[str]] = {}
        self._tokens: dict[str, list[tuple[str, ...]]] = {}

    def values(self, field: str | None) -> list[Any]:
        if field is None:
            return list(all_leaves(self.record))
        if "." not in field:  # a top-level key holding no array: the common case, without the walk
            value = self.record.get(field)
            if type(value) is not list:
                return [] if value is None else [value]
        return list(leaves(self.record, tuple(field.split("."))))

    def texts(self, field: str | None) -> list[str]:
        key = field or ""
        cached = self._texts.get(key)
        if cached is None:
            cached = [t for t in (as_text(v) for v in self.values(field)) if t is not None]
            self._texts[key] = cached
        return cached

    def tokens(self, field: str | None) -> list[tuple[str, ...]]:
        key = field or ""
        cached = self._tokens.get(key)
        if cached is None:
            cached = [tokens(t, self.fold) for t in self.texts(field)]
            self._tokens[key] = cached
        return cached


class Matcher:
    __slots__ = ("source",)
    source: str

    def match(self, doc: Document) -> bool:
        raise NotImplementedError

    def explain(self, doc: Document) -> tuple[bool, str]:
        """The verdict and the smallest clause that decided it."""
        return self.match(doc), self.source


class AllOf(Matcher):
    __slots__ = ("parts",)

    def __init__(self, parts: list[Matcher], source: str):
        self.parts, self.source = parts, source

    def match(self, doc: Document) -> bool:
        return all(p.match(doc) for p in self.parts)

    def explain(self, doc: Document) -> tuple[bool, str]:
        for part in self.parts:
            verdict, clause = part.explain(doc)
            if not verdict:
                return False, clause
        return True, self.source


class AnyOf(Matcher):
    __slots__ = ("parts",)

    def __init__(self, parts: list[Matcher], source: str):
        self.parts, self.source = parts, source

    def match(self, doc: Document) -> bool:
        return any(p.match(doc) for p in self.parts)

    def explain(self, doc: Document) -> tuple[bool, str]:
        for part in self.parts:
            verdict, clause = part.explain(doc)
            if verdict:
                return True, clause
        return False, self.source


class Negation(Matcher):
    __slots__ = ("part",)

    def __init__(self, part: Matcher, source: str):
        self.part, self.source = part, source

    def match(self, doc: Document) -> bool:
        return not self.part.match(doc)

    def explain(self, doc: Document) -> tuple[bool, str]:
        verdict, _ = self.part.explain(doc)
        return not verdict, self.source


class TokenRun(Matcher):
    """A term or phrase: its tokens appear consecutively in one value of the field."""

    __slots__ = ("field", "needle")

    def __init__(self, field: str | None, needle: tuple[str, ...], source: str):
        self.field, self.needle, self.source = field, needle, source

    def match(self, doc: Document) -> bool:
        needle = self.needle
        size = len(needle)
        if size == 0:
            return False
        first = needle[0]
        for value_tokens in doc.tokens(self.field):
            if size == 1:
                if first in value_tokens:
                    return True
                continue
            for start in range(len(value_tokens) - size + 1):
                if value_tokens[start] == first and value_tokens[start : start + size] == needle:
                    return True
        return False


class AnyWord(Matcher):
    """Single-word terms on one field joined by OR, as one set test per value; the same verdicts and
    explanations as the terms one by one (``resultType:(Success OR Succeeded)``)."""

    __slots__ = ("field", "terms", "words")

    def __init__(self, terms: list[TokenRun], source: str):
        self.field, self.terms, self.source = terms[0].field, terms, source
        self.words = frozenset(term.needle[0] for term in terms)

    def match(self, doc: Document) -> bool:
        words = self.words
        return any(not words.isdisjoint(value) for value in doc.tokens(self.field))

    def explain(self, doc: Document) -> tuple[bool, str]:
        for term in self.terms:
            if term.match(doc):
                return True, term.source
        return False, self.source


class TokenPattern(Matcher):
    """A wildcard term, applied to each token."""

    __slots__ = ("field", "pattern")

    def __init__(self, field: str | None, pattern: Glob | re.Pattern[str], source: str):
        self.field, self.pattern, self.source = field, pattern, source

    def match(self, doc: Document) -> bool:
        return any(self.pattern.fullmatch(t) for value in doc.tokens(self.field) for t in value)


class WholeValue(Matcher):
    """``field.keyword``: the whole value equals (or wildcard-matches) the term."""

    __slots__ = ("field", "pattern")

    def __init__(self, field: str, pattern: Glob | re.Pattern[str], source: str):
        self.field, self.pattern, self.source = field, pattern, source

    def match(self, doc: Document) -> bool:
        return any(self.pattern.fullmatch(t) for t in doc.texts(self.field))


class Exists(Matcher):
    __slots__ = ("field",)

    def __init__(self, field: str, source: str):
        self.field, self.source = field, source

    def match(self, doc: Document) -> bool:
        return bool(doc.values(self.field))


class Between(Matcher):
    __slots__ = ("field", "high", "high_incl", "low", "low_incl", "numeric")

    def __init__(
        self,
        field: str | None,
        low: str | None,
        high: str | None,
        low_incl: bool,
        high_incl: bool,
        source: str,
        fold: bool,
    ):
        self.field, self.source = field, source
        self.low_incl, self.high_incl = low_incl, high_incl
        self.numeric = all(b is None or _NUMBER.match(b) for b in (low, high))
        convert = float if self.numeric else (str.casefold if fold else str)
        self.low = None if low is None else convert(low)
        self.high = None if high is None else convert(high)

    def _inside(self, value: Any) -> bool:
        if self.low is not None and (value < self.low or (value == self.low and not self.low_incl)):
            return False
        return not (
            self.high is not None and (value > self.high or (value == self.high and not self.high_incl))
        )

    def match(self, doc: Document) -> bool:
        for text in doc.texts(self.field):
            if self.numeric:
                if _NUMBER.match(text.strip()) and self._inside(float(text)):
                    return True
            elif self._inside(text.casefold() if doc.fold else text):
                return True
        return False


@dataclass(frozen=True)
class CompiledQuery:
    query: str
    case_sensitive: bool
    root: Matcher

    def matches(self, record: dict[str, Any]) -> bool:
        return self.root.match(Document(record, not self.case_sensitive))

    def explain(self, record: dict[str, Any]) -> tuple[bool, str]:
        return self.root.explain(Document(record, not self.case_sensitive))


def compile_query(query: str, case_sensitive: bool = False) -> CompiledQuery:
    """Compile once; raises QuerySyntaxError or UnsupportedQuery."""
    return CompiledQuery(query, case_sensitive, _Compiler(not case_sensitive).build(parse(query), None))


class _Compiler:
    def __init__(self, fold: bool):
        self.fold = fold

    def build(self, node: Item, field: str | None) -> Matcher:
        source = " ".join(str(node).split())
        if isinstance(node, AndOperation):
            return AllOf([self.build(n, field) for n in node.operands], source)
        if isinstance(node, OrOperation):
            return _any_of([self.build(n, field) for n in node.operands], source)
        if isinstance(node, Not | Prohibit):
            return Negation(self.build(node.a, field), source)
        if isinstance(node, Plus):
            return self.build(node.a, field)
        if isinstance(node, BaseGroup):
            return self.build(node.expr, field)
        if isinstance(node, SearchField):
            return self._field(node, source)
        leaf_source = f"{field}:{source}" if field else source
        if isinstance(node, Word | Phrase):
            return self._term(node, field, leaf_source)
        if isinstance(node, Range):
            return self._range(node, field, leaf_source)
        if isinstance(node, From | To):
            return self._open_range(node, field, leaf_source)
        if isinstance(node, UnknownOperation):
            raise UnsupportedQuery(node, "implicit operator between terms (write AND or OR)")
        raise UnsupportedQuery(node, f"{type(node).__name__.lower()} queries are not supported")

    def _field(self, node: SearchField, source: str) -> Matcher:
        if node.name == EXISTS_FIELD:
            if not isinstance(node.expr, Word):
                raise UnsupportedQuery(node, "_exists_ takes one field name")
            return Exists(_unescape(node.expr.value), source)
        if isinstance(node.expr, SearchField):
            raise UnsupportedQuery(node, "nested field expression")
        matcher = self.build(node.expr, _unescape(node.name))
        if isinstance(node.expr, BaseGroup):
            matcher.source = source  # explain "field:(a OR b)", not "a OR b"
        return matcher

    def _term(self, node: Word | Phrase, field: str | None, source: str) -> Matcher:
        text = node.value[1:-1] if isinstance(node, Phrase) else node.value
        wildcard = isinstance(node, Word) and node.has_wildcard()
        value = _unescape(text)
        if field is not None and field.endswith(".keyword"):
            return WholeValue(field[: -len(".keyword")], self._pattern(value, wildcard), source)
        field = _strip_numeric(field)
        if wildcard:
            return TokenPattern(field, self._pattern(value, True), source)
        return TokenRun(field, tokens(value, self.fold), source)

    def _pattern(self, value: str, wildcard: bool) -> Glob | re.Pattern[str]:
        flags = re.IGNORECASE if self.fold else 0
        if wildcard:
            return Glob(value, flags)
        return re.compile(re.escape(value), flags | re.DOTALL)

    def _range(self, node: Range, field: str | None, source: str) -> Matcher:
        low = None if node.low.value == "*" else _unescape(node.low.value.strip('"'))
        high = None if node.high.value == "*" else _unescape(node.high.value.strip('"'))
        return Between(
            _strip_numeric(field), low, high, node.include_low, node.include_high, source, self.fold
        )

    def _open_range(self, node: From | To, field: str | None, source: str) -> Matcher:
        bound = _unescape(node.a.value.strip('"'))
        if isinstance(node, From):
            return Between(_strip_numeric(field), bound, None, node.include, False, source, self.fold)
        return Between(_strip_numeric(field), None, bound, False, node.include, source, self.fold)


def _any_of(parts: list[Matcher], source: str) -> Matcher:
    """OR, without the terms that repeat an earlier one (``"A/B" OR "a/b"`` once folded), and as one
    set test when every part is a single word on the same field."""
    seen: set[tuple[str | None, tuple[str, ...]]] = set()
    kept: list[Matcher] = []
    for part in parts:
        if isinstance(part, TokenRun):
            if (part.field, part.needle) in seen:
                continue
            seen.add((part.field, part.needle))
        kept.append(part)
    words = [p for p in kept if isinstance(p, TokenRun) and len(p.needle) == 1]
    if len(words) == len(kept) > 1 and len({w.field for w in words}) == 1:
        return AnyWord(words, source)
    return AnyOf(kept, source)


def _strip_numeric(field: str | None) -> str | None:
    return field[: -len(".numeric")] if field and field.endswith(".numeric") else field


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)
