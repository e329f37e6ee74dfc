"""Alert-definition JSON (create-request bodies) from the alert template."""

from __future__ import annotations

import json
from typing import Any

from coralogix_pack.alertdef import content_hash
from coralogix_pack.diagnostics import Diagnostic, PackError
from coralogix_pack.ownership import HASH_LABEL
from coralogix_pack.render.engine import Templates
from coralogix_pack.render.view import AlertView

ALERT_TEMPLATE = "alert.json.j2"


def render_alert(view: AlertView, templates: Templates) -> dict[str, Any]:
    text = templates.render(ALERT_TEMPLATE, alert=view)
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PackError(
            [
                Diagnostic(
                    str(templates.directory / ALERT_TEMPLATE),
                    0,
                    "",
                    f"rendered alert for {view.id} is not valid JSON: {exc.msg} at line "
                    f"{exc.lineno} of the output",
                    "fix the template",
                )
            ]
        ) from None
    properties = body["alertDefProperties"]
    properties["entityLabels"][HASH_LABEL] = content_hash(properties)
    return body


def alert_json_text(body: dict[str, Any]) -> str:
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
