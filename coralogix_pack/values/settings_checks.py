"""Checks of merged values files beyond their schema: the alert settings and the flows they
deploy, each located at the line that set it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from coralogix_pack.catalog.model import Catalog, Kind
from coralogix_pack.core.diagnostics import Diagnostic
from coralogix_pack.lucene.fields import field_problem, known_fields_hint
from coralogix_pack.values.merge import Origins
from coralogix_pack.values.settings import MAX_EVALUATION_DELAY_MS, duration_ms

Scope = tuple[tuple[str | int, ...], dict[str, Any]]


def _scopes(merged: dict[str, Any]) -> Iterator[Scope]:
    """The top level and each detection's entry: where settings may be written."""
    yield (), merged
    for detection_id, entry in sorted(merged.get("detections", {}).items()):
        yield ("detections", detection_id), entry


def _where(origins: Origins, path: tuple[str | int, ...]) -> tuple[str, int]:
    for length in range(len(path), 0, -1):
        found = [v for k, v in origins.items() if k[:length] == path[:length]]
        if found:
            return min(found, key=lambda item: item[1])
    return ("values", 0)


def _dotted(path: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in path)


def settings_checks(merged: dict[str, Any], origins: Origins, catalog: Catalog) -> Iterator[Diagnostic]:
    for scope, entry in _scopes(merged):
        yield from _delay(scope, entry, origins, catalog)
        yield from _payload(scope, entry, origins)
    router = (merged.get("notifications") or {}).get("router")
    uses_destinations = [
        path for path in origins if "destinations" in path and path[0] in ("notifications", "detections")
    ]
    if router is not None and uses_destinations:
        file, line = _where(origins, ("notifications", "router"))
        other = _dotted(
            sorted(uses_destinations)[0][: sorted(uses_destinations)[0].index("destinations") + 1]
        )
        yield Diagnostic(
            file=file,
            line=line,
            path="notifications.router",
            message=f"both a router and destinations ({other}) are set: an alert notifies through one",
            hint="route everything through the router (by labels), or keep the destinations only",
            code="CXP532",
        )


def _delay(
    scope: tuple[str | int, ...], entry: dict[str, Any], origins: Origins, catalog: Catalog
) -> Iterator[Diagnostic]:
    if "evaluation_delay" not in entry:
        return
    path = (*scope, "evaluation_delay")
    file, line = _where(origins, path)
    milliseconds = duration_ms(entry["evaluation_delay"])
    if milliseconds > MAX_EVALUATION_DELAY_MS:
        yield Diagnostic(
            file=file,
            line=line,
            path=_dotted(path),
            message=f"{entry['evaluation_delay']} is longer than the 3 hours the API allows",
            hint="use at most 3h (180m)",
            code="CXP530",
        )
    if scope and scope[1] in catalog.ids and catalog.get(str(scope[1])).kind is not Kind.THRESHOLD:
        yield Diagnostic(
            file=file,
            line=line,
            path=_dotted(path),
            message=f"{scope[1]!r} is not a threshold detection ({catalog.get(str(scope[1])).kind}): only "
            "threshold alerts have an evaluation delay",
            hint="remove it",
            code="CXP530",
        )


def _payload(scope: tuple[str | int, ...], entry: dict[str, Any], origins: Origins) -> Iterator[Diagnostic]:
    for index, name in enumerate(entry.get("payload_fields", [])):
        problem = field_problem(name)
        if problem:
            path = (*scope, "payload_fields", index)
            file, line = _where(origins, path)
            yield Diagnostic(
                file=file,
                line=line,
                path=_dotted(path),
                message=problem,
                hint=known_fields_hint(),
                code="CXP531",
            )


def flow_checks(
    merged: dict[str, Any], located: dict[str, tuple[str, int]], catalog: Catalog
) -> Iterator[Diagnostic]:
    """A deployed, enabled flow needs each stage deployed and enabled: a stage alert that is not in
    the account never fires, so neither would the flow."""
    overrides = merged.get("detections", {})

    def state(detection_id: str) -> str:
        enabled = overrides.get(detection_id, {}).get("enabled")
        if catalog.get(detection_id).optional and enabled is not True:
            return "optional and not enabled"
        return "disabled" if enabled is False else ""

    for flow in (d for d in catalog.detections if d.flow is not None and not state(d.id)):
        assert flow.flow is not None
        for name in flow.flow.stage_ids:
            problem = state(name) if name in catalog.ids else ""
            if problem:
                file, line = located.get(flow.id, located.get(name, ("values", 0)))
                yield Diagnostic(
                    file=file,
                    line=line,
                    path=f"detections.{flow.id}",
                    message=f"the flow {flow.id!r} is enabled but its stage {name} is {problem}",
                    hint=f"enable {name} too, or disable {flow.id}",
                    code="CXP516",
                )
        if overrides.get(flow.id, {}).get("exceptions"):
            file, line = located[flow.id]
            yield Diagnostic(
                file=file,
                line=line,
                path=f"detections.{flow.id}.exceptions",
                message=f"{flow.id!r} is a flow: it has no query for exceptions to narrow",
                hint="put the exception on its stage detections",
                code="CXP517",
            )
