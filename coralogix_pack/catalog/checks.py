"""Semantic checks that a JSON Schema cannot express."""

from __future__ import annotations

from collections.abc import Iterator

from coralogix_pack.catalog.attack import AttackTable
from coralogix_pack.catalog.model import Detection, Kind
from coralogix_pack.core.diagnostics import Diagnostic, Severity
from coralogix_pack.lucene.syntax import lint

# Limits of the alert-definitions API (AlertDefProperties).
MAX_NAME_LENGTH = 512
MAX_DESCRIPTION_LENGTH = 3000


def _where(detection: Detection) -> str:
    return str(detection.source)


def check_filename(detection: Detection, line: int) -> Iterator[Diagnostic]:
    if detection.source.stem != detection.id:
        yield Diagnostic(
            file=_where(detection),
            line=line,
            path="id",
            message=f"id {detection.id!r} does not match the file name {detection.source.name!r}",
            hint=f"rename the file to {detection.id}.yaml or change the id",
            code="CXP111",
        )


def check_unique(detections: list[tuple[Detection, dict[str, int]]]) -> Iterator[Diagnostic]:
    for attribute in ("id", "title"):
        seen: dict[str, Detection] = {}
        for detection, lines in detections:
            key = getattr(detection, attribute).casefold()
            if key in seen:
                first = seen[key]
                yield Diagnostic(
                    file=_where(detection),
                    line=lines.get(attribute, 1),
                    path=attribute,
                    message=f"duplicate {attribute} {getattr(detection, attribute)!r}",
                    hint=f"already used by {first.source.name}; {attribute}s must be unique",
                    code="CXP500",
                )
            else:
                seen[key] = detection


def check_attack(detection: Detection, table: AttackTable, lines: dict[str, int]) -> Iterator[Diagnostic]:
    tactic = detection.tactic
    if tactic is None:
        return
    problem = table.tactic_problem(tactic.id)
    if problem:
        yield Diagnostic(
            file=_where(detection),
            line=lines["mitre.tactic"],
            path="mitre.tactic.id",
            message=problem,
            hint=f"use a tactic of ATT&CK v{table.version}",
            code="CXP400",
        )
    elif table.tactics[tactic.id] != tactic.name:
        yield Diagnostic(
            file=_where(detection),
            line=lines["mitre.tactic"],
            path="mitre.tactic.name",
            message=f"{tactic.id} is named {table.tactics[tactic.id]!r} in ATT&CK v{table.version}, "
            f"not {tactic.name!r}",
            hint="fix the name",
            code="CXP401",
        )
    for index, technique in enumerate(detection.techniques):
        path = f"mitre.techniques[{index}]"
        line = lines.get(path, lines["mitre.tactic"])
        problem = table.technique_problem(technique.id) or (
            None if table.tactic_problem(tactic.id) else table.pair_problem(tactic.id, technique.id)
        )
        if problem:
            yield Diagnostic(
                file=_where(detection),
                line=line,
                path=f"{path}.id",
                message=problem,
                hint="choose a technique listed under the tactic",
                code="CXP402",
            )
        elif table.techniques[technique.id]["name"] != technique.name:
            yield Diagnostic(
                file=_where(detection),
                line=line,
                path=f"{path}.name",
                message=f"{technique.id} is named {table.techniques[technique.id]['name']!r}, "
                f"not {technique.name!r}",
                hint="fix the name",
                code="CXP403",
            )


def check_vendor_mapping(detection: Detection, table: AttackTable, line: int) -> Iterator[Diagnostic]:
    """The source document's mapping is provenance; report its inconsistencies as warnings."""
    tactic, technique = detection.vendor_tactic, detection.vendor_technique
    if tactic is None or technique is None:
        return
    problems = [p for p in (table.tactic_problem(tactic), table.technique_problem(technique)) if p]
    if not problems and (pair := table.pair_problem(tactic, technique)):
        problems.append(pair)
    if problems:
        problem = "; ".join(problems)
        yield Diagnostic(
            file=_where(detection),
            line=line,
            path="mitre.vendor",
            message=f"vendor mapping {detection.vendor_tactic}/{detection.vendor_technique} is "
            f"inconsistent: {problem}",
            hint="kept as provenance; the mapping above is used",
            severity=Severity.WARNING,
            code="CXP410",
        )


def check_query(detection: Detection, first_line: int, indent: int = 0) -> Iterator[Diagnostic]:
    """Lint problems at their own line and column of the file; ``first_line`` holds the query's
    first line and ``indent`` the indentation of a block scalar."""
    text = detection.query
    for problem in lint(text):
        index = min(problem.column - 1, len(text))
        line = first_line + text.count("\n", 0, index)
        column = index - (text.rfind("\n", 0, index) + 1) + 1 + indent
        severity = Severity.WARNING if problem.warning else Severity.ERROR
        message = f"column {column}: {problem.message}"
        yield Diagnostic(
            file=_where(detection),
            line=line,
            path="query",
            message=message,
            hint=problem.hint,
            severity=severity,
            code="CXP300",
        )


def check_lengths(detection: Detection, name: str, description: str) -> Iterator[Diagnostic]:
    if len(name) > MAX_NAME_LENGTH:
        yield Diagnostic(
            file=_where(detection),
            line=detection.line("title"),
            path="title",
            message=f"alert name is {len(name)} characters; the API allows {MAX_NAME_LENGTH}",
            hint="shorten the title or the name prefix",
            code="CXP520",
        )
    if len(description) > MAX_DESCRIPTION_LENGTH:
        yield Diagnostic(
            file=_where(detection),
            line=detection.line("description"),
            path="description",
            message=f"alert description is {len(description)} characters; "
            f"the API allows {MAX_DESCRIPTION_LENGTH}",
            hint="shorten description and mitigation",
            code="CXP521",
        )


def check_tests(detection: Detection, line: int) -> Iterator[Diagnostic]:
    if detection.kind is not Kind.THRESHOLD and detection.scenarios:
        yield Diagnostic(
            file=_where(detection),
            line=line,
            path="tests.scenarios",
            message="scenarios apply to threshold detections only",
            hint="use tests.cases",
            code="CXP120",
        )


def check_stated_threshold(detection: Detection) -> Iterator[Diagnostic]:
    """Warn when a threshold detection's title or description states another count or window."""
    from coralogix_pack.catalog.wording import contradictions

    if detection.threshold is None:
        return
    for key, text in (("title", detection.title), ("description", detection.description)):
        for problem in contradictions(text, detection.threshold):
            yield Diagnostic(
                file=_where(detection),
                line=detection.line(key),
                path=key,
                message=f"the {key} {problem}",
                hint="state the catalog's own threshold (deployed names restate it with the values in force)",
                code="CXP522",
                severity=Severity.WARNING,
            )
