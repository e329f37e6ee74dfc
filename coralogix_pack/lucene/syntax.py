"""Parse Lucene with luqum and lint it for the way Coralogix reads queries.

luqum is more permissive than Lucene's classic parser (and than Coralogix): it
accepts ``/`` inside bare words and treats ``&&``/``||``/``!`` as words. The
lint closes those gaps and rejects constructs whose meaning differs between
Coralogix's real-time alert engine and its archive.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from luqum.exceptions import ParseError
from luqum.parser import parser
from luqum.tree import (
    AndOperation,
    Boost,
    Fuzzy,
    Item,
    OrOperation,
    Phrase,
    Proximity,
    Regex,
    SearchField,
    Term,
    UnknownOperation,
    Word,
)

from coralogix_pack.lucene.fields import (
    CASE_VARYING_FIELDS,
    EXISTS_FIELD,
    field_problem,
    known_fields_hint,
    prefixed,
)

MAX_BOOLEAN_OPERATORS = 48
_POSITION = re.compile(r"position (\d+)")


@dataclass(frozen=True)
class LintProblem:
    column: int  # 1-based column in the query text
    message: str
    hint: str = ""
    warning: bool = False


class QuerySyntaxError(Exception):
    def __init__(self, column: int, message: str):
        self.column = column
        self.message = message
        super().__init__(f"column {column}: {message}")


MAX_NESTING = 32  # parentheses deep; real detections use a handful, and tree walks recurse


def _nesting(query: str) -> tuple[int, int]:
    """(deepest parenthesis nesting outside quotes, its column)."""
    depth = deepest = column = 0
    quoted = escaped = False
    for index, char in enumerate(query):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
            deepest = max(deepest, depth)
            if depth == MAX_NESTING + 1 and not column:
                column = index + 1
        elif not quoted and char == ")":
            depth -= 1
    return deepest, column


@lru_cache(maxsize=8192)
def parse(query: str) -> Item:
    """The luqum tree of ``query``, cached: callers must not mutate it (copy first)."""
    deepest, column = _nesting(query) if query.count("(") > MAX_NESTING else (0, 0)  # (cheap first)
    if deepest > MAX_NESTING:
        raise QuerySyntaxError(column, f"parentheses nested {deepest} deep; at most {MAX_NESTING} allowed")
    try:
        return parser.parse(query)
    except RecursionError:
        raise QuerySyntaxError(1, "query is nested too deeply to parse") from None
    except ParseError as exc:
        match = _POSITION.search(str(exc))
        column = int(match.group(1)) + 1 if match else len(query) + 1
        raise QuerySyntaxError(column, f"invalid Lucene: {exc}") from None


_IMMUTABLE = (str, int, float, bool, Decimal, type(None))


def clone(node: Any) -> Any:
    """A copy of a parse tree that shares only immutable values: what ``copy.deepcopy`` gives, about
    five times faster (luqum nodes hold other nodes, tuples of them and plain values)."""
    if isinstance(node, Item):
        copied = object.__new__(type(node))
        copied.__dict__ = {key: clone(value) for key, value in node.__dict__.items()}
        return copied
    if type(node) is tuple:
        return tuple(clone(value) for value in node)
    if type(node) is list:
        return [clone(value) for value in node]
    return node if isinstance(node, _IMMUTABLE) else copy.deepcopy(node)


def walk(node: Item, field: str | None = None) -> Iterator[tuple[Item, str | None]]:
    """Yield every node with the field it applies to (None = default field), depth first."""
    pending = [(node, field)]
    while pending:
        current, applies = pending.pop()
        yield current, applies
        inner = current.name if isinstance(current, SearchField) else applies
        pending.extend((child, inner) for child in reversed(current.children))


def lint(query: str) -> list[LintProblem]:
    """Syntax and portability problems of ``query`` (remembered per text, like ``parse``)."""
    return list(_lint(query))


@lru_cache(maxsize=8192)
def _lint(query: str) -> tuple[LintProblem, ...]:
    if not query.strip():
        return (LintProblem(1, "the query is blank", "write the Lucene query the detection matches"),)
    try:
        tree = parse(query)
    except QuerySyntaxError as exc:
        return (LintProblem(exc.column, exc.message, "check quotes, parentheses and operators"),)
    problems: list[LintProblem] = []
    operators = 0
    for node, field in walk(tree):
        problems.extend(_node_problems(node, field))
        if isinstance(node, AndOperation | OrOperation):
            operators += len(node.operands) - 1
        elif isinstance(node, SearchField) and node.name in CASE_VARYING_FIELDS:
            problems.extend(_case_problems(node))
    if operators > MAX_BOOLEAN_OPERATORS:
        problems.append(
            LintProblem(
                1,
                f"{operators} AND/OR operators; Coralogix alerts allow about {MAX_BOOLEAN_OPERATORS}",
                "split the detection or use wildcards",
            )
        )
    return tuple(sorted(problems, key=lambda p: (p.column, p.message)))


def _col(node: Item) -> int:
    return (node.pos or 0) + 1


def _node_problems(node: Item, field: str | None) -> Iterator[LintProblem]:
    if isinstance(node, UnknownOperation):
        yield LintProblem(
            _col(node),
            f"implicit operator between terms in {_excerpt(node)!r}",
            "write AND or OR explicitly between terms",
        )
    elif isinstance(node, AndOperation | OrOperation):
        yield from _mixed_precedence(node)
    elif isinstance(node, SearchField):
        yield from _field_problems(node)
    elif isinstance(node, Regex | Fuzzy | Proximity | Boost):
        kind = type(node).__name__.lower()
        yield LintProblem(
            _col(node),
            f"{kind} query {str(node).strip()!r} is not supported in alerts",
            "use terms or quoted phrases; Coralogix evaluates these differently in "
            "real time and in the archive",
        )
    elif isinstance(node, Word):
        yield from _word_problems(node, field)
    elif isinstance(node, Phrase) and node.value.strip('"') == "":
        yield LintProblem(_col(node), "empty phrase", "remove it")


def _excerpt(node: Item, limit: int = 60) -> str:
    text = " ".join(str(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _mixed_precedence(node: AndOperation | OrOperation) -> Iterator[LintProblem]:
    other = OrOperation if isinstance(node, AndOperation) else AndOperation
    for operand in node.operands:
        if isinstance(operand, other):
            yield LintProblem(
                _col(operand),
                "AND and OR mixed without parentheses",
                "Lucene has no operator precedence; add parentheses",
            )


def _field_problems(node: SearchField) -> Iterator[LintProblem]:
    if node.name == EXISTS_FIELD:
        target = str(node.expr).strip()
        problem = field_problem(target)
        if problem:
            yield LintProblem(_col(node), problem, known_fields_hint())
        yield LintProblem(
            _col(node),
            "_exists_ is evaluated differently by the real-time and archive engines",
            "prefer a term on the field",
            warning=True,
        )
        return
    if isinstance(node.expr, SearchField):
        yield LintProblem(
            _col(node), f"nested field expression {str(node).strip()!r}", "quote values that contain ':'"
        )
    problem = field_problem(node.name)
    if problem:
        yield LintProblem(_col(node), problem, known_fields_hint())


def _word_problems(node: Word, field: str | None) -> Iterator[LintProblem]:
    value = node.value
    if value in ("&&", "||", "!") or value.startswith("!"):
        yield LintProblem(_col(node), f"operator {value!r} is not portable", "use AND, OR, NOT")
    elif value in ("and", "or", "not"):
        yield LintProblem(
            _col(node), f"lower-case {value!r} is a search term, not an operator", f"write {value.upper()}"
        )
    if re.search(r"(?<!\\)/", value):
        yield LintProblem(
            _col(node),
            f"unescaped '/' in {value!r} starts a regular expression in Lucene",
            f'quote the value: "{value}"',
        )
    if value[:1] in ("*", "?"):
        yield LintProblem(
            _col(node),
            f"leading wildcard in {value!r}",
            "leading wildcards are slow and unreliable in alerts; match whole tokens",
        )
    if field is None and value not in ("&&", "||"):
        yield LintProblem(
            _col(node),
            f"term {value!r} has no field",
            "name the field, e.g. properties.statusMessage:value",
            warning=True,
        )


def _case_problems(node: SearchField) -> Iterator[LintProblem]:
    """Values on a case-varying field must include their upper-case form."""
    values = {_term_text(t) for t, _ in walk(node.expr) if isinstance(t, Term)}
    for value in sorted(values):
        if value.upper() not in values:
            yield LintProblem(
                _col(node),
                f"{node.name} value {value!r} has no upper-case variant",
                f'add OR "{value.upper()}": exports write {node.name} in upper case',
            )


def _term_text(term: Term) -> str:
    value = str(term.value)
    if isinstance(term, Phrase):
        value = value[1:-1]
    return value


def without_field_prefix(query: str, prefix: str) -> str:
    """``query`` with ``prefix.`` taken off the field names that carry it (for linting fragments
    written against nested records); the query itself when it does not parse."""
    if not prefix:
        return query
    try:
        tree = clone(parse(query))
    except QuerySyntaxError:
        return query
    for node, _ in walk(tree):
        if isinstance(node, SearchField) and node.name.startswith(prefix + "."):
            node.name = node.name[len(prefix) + 1 :]
    return str(tree)


def _fold(node: Item) -> None:
    """Fold layout whitespace around ``node`` (never inside a phrase) to one space."""
    for attr in ("head", "tail"):
        value = getattr(node, attr, "")
        if value and value.strip() == "" and ("\n" in value or len(value) > 1):
            setattr(node, attr, " ")


@lru_cache(maxsize=8192)
def render_query(query: str, field_prefix: str = "") -> str:
    """The query as Coralogix should receive it: prefixed and on one line."""
    texts, names = _layout(query)
    pieces = [texts[0]]
    for name, text in zip(names, texts[1:], strict=True):
        pieces += [prefixed(name, field_prefix), text]
    return "".join(pieces).strip()


@lru_cache(maxsize=8192)
def _layout(query: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The query on one line, cut at its field names (``_exists_``'s operand included): the texts
    around them and the names. Each prefix then costs a join, not a copy of the parse tree."""
    mark = next(chr(c) for c in range(0xE000, 0x110000) if chr(c) not in query)  # private use, unused
    tree = clone(parse(query))
    names: list[str] = []
    for node, _ in walk(tree):  # one walk: fold the layout, mark the names
        _fold(node)
        if isinstance(node, SearchField) and node.name == EXISTS_FIELD:
            if isinstance(node.expr, Word):
                names.append(node.expr.value)
                node.expr.value = mark
        elif isinstance(node, SearchField):
            names.append(node.name)
            node.name = mark
    return tuple(str(tree).split(mark)), tuple(names)
