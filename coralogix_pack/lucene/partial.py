"""Judging a query from a few fields of a record: can it match, whatever the other fields hold?

The raw-bytes scan of backtest reads one or two top-level values (``operationName``, then maybe
``resultType``) without parsing the line. These functions evaluate a compiled query in three-valued
logic over such a partial record: a term on a field that was read is decided by the evaluator itself
(same tokens, same case rules); a term on any other field, a dotted path or the default field is
unknown; AND is false when one part is, OR when every part is, NOT of unknown stays unknown. A
line may go unparsed only when every query is false.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import product

from coralogix_pack.lucene.evaluator import (
    AllOf,
    AnyOf,
    AnyWord,
    CompiledQuery,
    Document,
    Matcher,
    Negation,
    TokenRun,
)


def verdict(node: Matcher, doc: Document, read: frozenset[str]) -> bool | None:
    """True or False when the fields in ``read`` decide ``node`` for ``doc``; None when they do not."""
    if isinstance(node, AllOf | AnyOf):
        decisive = isinstance(node, AnyOf)  # the value one part needs to decide the whole
        outcome: bool | None = not decisive
        for part in node.parts:
            found = verdict(part, doc, read)
            if found is decisive:
                return decisive
            if found is None:
                outcome = None
        return outcome
    if isinstance(node, Negation):
        found = verdict(node.part, doc, read)
        return None if found is None else not found
    field = getattr(node, "field", None)
    return node.match(doc) if field in read else None


def possible(queries: Sequence[CompiledQuery], values: dict[str, str]) -> list[int]:
    """Indexes of the queries that may match a record whose top-level ``values`` are these, or which
    lacks some of these keys: a key seen once in the raw line may be a nested one, the top-level
    absent. An empty list: no query can match."""
    read = frozenset(values)
    records = [
        {k: v for (k, v), keep in zip(values.items(), present, strict=True) if keep}
        for present in product((True, False), repeat=len(values))
    ]
    return [
        index
        for index, query in enumerate(queries)
        if any(verdict(query.root, Document(r, not query.case_sensitive), read) is not False for r in records)
    ]


def conjunct_fields(queries: Iterable[CompiledQuery]) -> list[str]:
    """Top-level fields that some query requires on their own (a whole AND part on one plain field,
    like ``resultType:(Success OR Succeeded)``): the ones worth reading to rule a query out."""
    found: set[str] = set()
    for query in queries:
        parts = query.root.parts if isinstance(query.root, AllOf) else [query.root]
        for part in parts:
            fields = set(fields_of(part))
            if len(fields) == 1 and (field := fields.pop()) is not None and "." not in field:
                found.add(field)
    return sorted(found)


def fields_of(node: Matcher) -> Iterator[str | None]:
    """Every field a query's terms look at (None: the default field)."""
    if isinstance(node, AllOf | AnyOf):
        for part in node.parts:
            yield from fields_of(part)
    elif isinstance(node, Negation):
        yield from fields_of(node.part)
    else:
        yield getattr(node, "field", None)


def required_words(node: Matcher) -> list[frozenset[str]]:
    """Groups of words such that ``node`` cannot match a record unless, for every group, one of its
    words is a token of some value of the record (any field). Only letter-only words are used: a
    number's text (``1e5`` read as ``100000.0``) may hold digits its raw form lacks, never letters.
    A record whose raw line is ASCII without ``\\u`` escapes holds a token only if its line holds it
    as text, so a group none of whose words appear in the line rules the query out."""
    if isinstance(node, AllOf):
        return [group for part in node.parts for group in required_words(part)]
    if isinstance(node, AnyOf | AnyWord):
        alternatives = node.terms if isinstance(node, AnyWord) else node.parts
        union: set[str] = set()
        for part in alternatives:
            groups = required_words(part)
            if not groups:
                return []  # an alternative with no requirement: the OR requires nothing
            union |= groups[0]
        return [frozenset(union)]
    if isinstance(node, TokenRun):
        return [frozenset([word]) for word in node.needle if word.isascii() and word.isalpha()]
    return []
