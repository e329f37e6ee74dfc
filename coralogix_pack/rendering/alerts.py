"""Alert-definition JSON (create-request bodies) from the alert template."""

from __future__ import annotations

import json
from typing import Any

from coralogix_pack.coralogix.alertdef import content_hash
from coralogix_pack.coralogix.body_schema import body_problems
from coralogix_pack.coralogix.ownership import DETECTION_LABEL, HASH_LABEL
from coralogix_pack.core.diagnostics import Diagnostic, PackError
from coralogix_pack.core.jsontext import loads, pretty_json
from coralogix_pack.rendering.engine import Templates
from coralogix_pack.rendering.view import AlertView

ALERT_TEMPLATE = "alert.json.j2"


def render_alert(view: AlertView, templates: Templates) -> dict[str, Any]:
    text = templates.render(ALERT_TEMPLATE, alert=view)
    try:
        body = loads(text)
    except json.JSONDecodeError as exc:
        raise PackError(
            [
                Diagnostic(
                    file=str(templates.directory / ALERT_TEMPLATE),
                    message=f"rendered alert for {view.id} is not valid JSON: {exc.msg} at line "
                    f"{exc.lineno} of the output",
                    hint="fix the template",
                    code="CXP603",
                )
            ]
        ) from None
    problems = body_problems(body)
    if problems:
        raise PackError(
            [
                Diagnostic(
                    file=str(templates.directory / ALERT_TEMPLATE),
                    path=path,
                    message=f"rendered alert for {view.id}: {message}",
                    hint="check the spelling and shape against the bundled alert.json.j2",
                    code="CXP604",
                )
                for path, message in problems
            ]
        )
    properties = body.get("alertDefProperties") if isinstance(body, dict) else None
    labels = properties.get("entityLabels") if isinstance(properties, dict) else None
    if not isinstance(labels, dict) or labels.get(DETECTION_LABEL) != view.id:
        raise PackError(
            [
                Diagnostic(
                    file=str(templates.directory / ALERT_TEMPLATE),
                    path="alertDefProperties.entityLabels",
                    message=f"the rendered alert for {view.id} has no "
                    "alertDefProperties.entityLabels with its ownership labels",
                    hint='keep `"entityLabels": {{ alert.labels | json }}`: '
                    "pack recognises its alerts by them",
                    code="CXP605",
                )
            ]
        )
    assert isinstance(properties, dict)
    labels[HASH_LABEL] = content_hash(properties)
    checked: dict[str, Any] = body
    return checked


def alert_json_text(body: dict[str, Any]) -> str:
    return pretty_json(body) + "\n"
