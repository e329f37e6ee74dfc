"""A cheap necessary condition per query, to skip most records before full evaluation.

From a compiled query we derive, where possible, a list of alternatives
``(field, tokens)`` such that the query cannot match a record unless, for one
alternative, every token appears among the tokens of that field. The alternatives
of all queries are indexed by their rarest token, so a record costs one
tokenisation of each indexed field and a few dictionary lookups. A query with no
derivable condition (say, a lone NOT) is always evaluated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from coralogix_pack.lucene.evaluator import AllOf, AnyOf, AnyWord, CompiledQuery, Matcher, TokenRun
from coralogix_pack.lucene.records import TOKEN, as_text, leaves, tokens

Requirement = list[tuple[str, frozenset[str]]]


def requirement(node: Matcher) -> Requirement | None:
    if isinstance(node, TokenRun):
        return [(node.field, frozenset(node.needle))] if node.field and node.needle else None
    if isinstance(node, AnyWord):
        return [(node.field, frozenset([word])) for word in sorted(node.words)] if node.field else None
    if isinstance(node, AnyOf):
        alternatives: Requirement = []
        for part in node.parts:
            found = requirement(part)
            if found is None:
                return None
            alternatives += found
        return alternatives
    if isinstance(node, AllOf):
        for part in node.parts:
            found = requirement(part)
            if found is not None:
                return found
    return None


class Prefilter:
    def __init__(self, queries: Sequence[CompiledQuery]):
        self.fold = not queries[0].case_sensitive if queries else True
        self.always: list[int] = []
        requirements: list[tuple[int, Requirement]] = []
        for index, query in enumerate(queries):
            found = requirement(query.root)
            if found is None:
                self.always.append(index)
            else:
                requirements.append((index, found))
        frequency = Counter(t for _, req in requirements for _, toks in req for t in toks)
        # field -> key token -> [(query index, all tokens needed)]
        self.index: dict[str, dict[str, list[tuple[int, frozenset[str]]]]] = {}
        for query_index, req in requirements:
            for field, toks in req:
                key = min(toks, key=lambda t: (frequency[t], -len(t), t))
                self.index.setdefault(field, {}).setdefault(key, []).append((query_index, toks))
        self.fields = [(f, tuple(f.split(".")), "." not in f, by_key) for f, by_key in self.index.items()]
        # operation names repeat endlessly: remember the answer per value of a lone top-level field
        self._single = self.fields[0][0] if len(self.fields) == 1 and self.fields[0][2] else None
        self._memo: dict[str, list[int]] = {}

    def candidates(self, record: dict[str, Any]) -> list[int]:
        """Indexes of the queries that may match ``record`` (a superset of those that do)."""
        if self._single is not None:
            value = record.get(self._single)
            if type(value) is str:
                found = self._memo.get(value)
                if found is None:
                    if len(self._memo) > 50_000:
                        self._memo.clear()
                    found = self._memo[value] = self._compute(record)
                return found
        return self._compute(record)

    def _compute(self, record: dict[str, Any]) -> list[int]:
        found: set[int] = set()
        fold = self.fold
        findall = TOKEN.findall
        for field, path, top_level, by_key in self.fields:
            value = record.get(field) if top_level else None
            if type(value) is str:
                present = set(findall(value.casefold() if fold else value))
            elif top_level and value is None:
                continue
            else:
                present = set()
                for leaf in leaves(record, path):
                    text = as_text(leaf)
                    if text is not None:
                        present.update(tokens(text, fold))
            for token in present:
                for query_index, needed in by_key.get(token, ()):
                    if query_index not in found and needed <= present:
                        found.add(query_index)
        if self.always:
            found.update(self.always)
        return sorted(found)
