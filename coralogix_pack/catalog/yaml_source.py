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


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(text: str) -> YamlDocument:
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or str(exc)
        raise YamlSyntaxError(line, f"invalid YAML: {problem}") from None
    doc = YamlDocument(data=None, text=text)
    if node is None:
        return doc
    doc.data = _build(node, (), doc)
    return doc


_constructor = _Loader(stream="")


def _build(node: yaml.Node, path: Path_, doc: YamlDocument) -> Any:
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _constructor.construct_object(key_node, deep=True)
            child = (*path, key)
            if key in result:
                doc.duplicates.append((child, key_node.start_mark.line + 1))
                continue
            doc.lines[child] = key_node.start_mark.line + 1
            result[key] = _build(value_node, child, doc)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), doc) for i, item in enumerate(node.value)]
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        doc.block_scalars.add(path)
    return _constructor.construct_object(node, deep=True)
