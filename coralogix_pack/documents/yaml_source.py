"""YAML loading that remembers the line of every value.

PyYAML's composer gives nodes with source marks; we build plain Python data and
a map from field path to 1-based line so errors can point at the exact line.
Duplicate mapping keys are reported instead of silently overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


@dataclass
class YamlDocument:
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    duplicates: list[tuple[Path_, int]] = field(default_factory=list)
    block_scalars: set[Path_] = field(default_factory=set)
    text: str = ""  # `|` / `>` values: text starts on the next line

    def line_of(self, path: Path_) -> int:
        """Line of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


class YamlSyntaxError(Exception):
    def __init__(self, line: int, message: str):
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}")


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: much faster


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """SafeLoader that keeps timestamps as strings (records carry RFC 3339 text)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        """The tag of a node, remembered for plain and quoted scalars: a tag depends only on the
        text and on whether it was quoted, and a catalog repeats its keys and values in every file."""
        if kind is not yaml.ScalarNode:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        tag = _TAGS.get(key)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(_TAGS) < 100_000 and len(value) < 200:
                _TAGS[key] = tag
        return tag


_TAGS: dict[tuple[str, Any], str] = {}


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


MAX_DEPTH = 64  # detections and values files nest a few levels; deeper is a mistake or an attack
MAX_VALUES = 200_000  # after aliases are expanded: stops "billion laughs" documents early
MERGE_TAG = "tag:yaml.org,2002:merge"


def load_yaml(text: str) -> YamlDocument:
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise YamlSyntaxError(1, f"invalid YAML: {exc}") from None
    doc = YamlDocument(data=None, text=text)
    if node is None:
        return doc
    doc.data = _Builder(doc).build(node, (), ())
    return doc


def _syntax_error(exc: yaml.MarkedYAMLError) -> YamlSyntaxError:
    """The line to fix: an unclosed ``[`` or ``{`` is found only on a later line, so a problem
    inside a flow collection is reported where the collection opened."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    problem = exc.problem or str(exc)
    opened, context = exc.context_mark, exc.context or ""
    if opened is not None and "flow" in context and opened.line + 1 < line:
        what = context.removeprefix("while parsing a ")
        problem += f" (line {line}; the {what} opened here is not closed)"
        line = opened.line + 1
    return YamlSyntaxError(line, f"invalid YAML: {problem}")


_constructor = _Loader(stream="")


class _Builder:
    """Plain data from a node graph, with limits: aliases may be reused but not recurse or explode."""

    def __init__(self, doc: YamlDocument):
        self.doc = doc
        self.values = 0

    def build(self, node: yaml.Node, path: Path_, ancestors: tuple[int, ...]) -> Any:
        line = node.start_mark.line + 1
        if id(node) in ancestors:
            raise YamlSyntaxError(line, "invalid YAML: an alias refers to a value that contains it")
        if len(ancestors) >= MAX_DEPTH:
            raise YamlSyntaxError(line, f"invalid YAML: nested more than {MAX_DEPTH} levels deep")
        self.values += 1
        if self.values > MAX_VALUES:
            raise YamlSyntaxError(
                line, f"invalid YAML: aliases expand to more than {MAX_VALUES:,} values; use fewer aliases"
            )
        self.doc.lines.setdefault(path, line)
        inner = (*ancestors, id(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, inner)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), inner) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
            self.doc.block_scalars.add(path)
        return _scalar(node)

    def _mapping(self, node: yaml.MappingNode, path: Path_, ancestors: tuple[int, ...]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                merged += self._merge_sources(value_node, ancestors)
                continue
            key = _key(key_node)
            child = (*path, key)
            if key in result:
                self.doc.duplicates.append((child, key_node.start_mark.line + 1))
                continue
            self.doc.lines[child] = key_node.start_mark.line + 1
            result[key] = self.build(value_node, child, ancestors)
        for key_node, value_node in merged:  # `<<: *base`: keys written here win over merged ones
            key = _key(key_node)
            if key not in result:
                self.doc.lines.setdefault((*path, key), key_node.start_mark.line + 1)
                result[key] = self.build(value_node, (*path, key), ancestors)
        return result

    def _merge_sources(
        self, node: yaml.Node, ancestors: tuple[int, ...]
    ) -> list[tuple[yaml.Node, yaml.Node]]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        pairs: list[tuple[yaml.Node, yaml.Node]] = []
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                raise YamlSyntaxError(
                    source.start_mark.line + 1, "invalid YAML: '<<' merges only mappings (or a list of them)"
                )
            if id(source) in ancestors:
                raise YamlSyntaxError(
                    source.start_mark.line + 1, "invalid YAML: an alias refers to a value that contains it"
                )
            pairs += [p for p in source.value if p[0].tag != MERGE_TAG]
        return pairs


def _key(node: yaml.Node) -> str:
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.ScalarNode):
        raise YamlSyntaxError(line, "invalid YAML: a key must be plain text, not a list or mapping")
    value = _scalar(node)
    if not isinstance(value, str):
        kind = "a boolean" if isinstance(value, bool) else type(value).__name__
        raise YamlSyntaxError(
            line, f"invalid YAML: the key {_short(node.value)} reads as {kind}; quote it to make it text"
        )
    return value


STR_TAG = "tag:yaml.org,2002:str"


def _scalar(node: yaml.Node) -> Any:
    if node.tag == STR_TAG and isinstance(node, yaml.ScalarNode):
        return node.value  # what PyYAML's str constructor returns, without its machinery
    try:
        return _constructor.construct_object(node, deep=True)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc) from None
    except Exception as exc:  # PyYAML's constructors raise plain Python errors on bad tagged values
        raise YamlSyntaxError(
            node.start_mark.line + 1, f"invalid YAML: cannot read {_short(node.value)} as {node.tag}: {exc}"
        ) from None
    finally:
        _constructor.constructed_objects.clear()  # one shared constructor: keep no node alive


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
