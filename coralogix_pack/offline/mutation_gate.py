"""`pack test --mutate --baseline FILE`: the CI gate. A run fails against its baseline (an earlier
``--format json`` report) when a detection's score drops or an escape or false alert appears that
the baseline did not have."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from coralogix_pack.core.diagnostics import Diagnostic, PackError
from coralogix_pack.core.files import Unreadable, read_bounded
from coralogix_pack.documents.schema_check import validator
from coralogix_pack.offline.mutation import MutationRun

MAX_BASELINE_BYTES = 64 * 1024 * 1024
REMAKE = "make it with: pack test --mutate --format json > FILE"


def _refuse(path: Path, message: str, hint: str = REMAKE) -> PackError:
    return PackError([Diagnostic(file=str(path), message=message, hint=hint, code="CXP805")])


def read_baseline(path: Path, seed: int) -> dict[str, Any]:
    """A mutation report written by ``--format json`` with ``seed``; PackError (CXP805) naming what
    is wrong."""
    try:
        document = json.loads(read_bounded(path, MAX_BASELINE_BYTES))
    except Unreadable as exc:
        raise _refuse(path, f"cannot read the mutation baseline: {exc.reason}") from None
    except (RecursionError, UnicodeDecodeError, ValueError) as exc:
        raise _refuse(path, f"the mutation baseline is not JSON ({str(exc)[:120]})") from None
    errors = validator("mutation.schema.json").iter_errors(document)
    error = next(iter(sorted(errors, key=lambda e: str(e.absolute_path))), None)
    if error is not None:
        where = ".".join(map(str, error.absolute_path)) or "the document"
        raise _refuse(path, f"not a mutation report: {where}: {error.message[:160]}")
    if document["seed"] != seed:
        raise _refuse(
            path,
            f"the baseline was made with --seed {document['seed']}, this run uses {seed}",
            f"run with --seed {document['seed']}, or remake the baseline",
        )
    return document  # type: ignore[no-any-return]


def baseline_problems(run: MutationRun, baseline: dict[str, Any]) -> list[str]:
    """What got worse since ``baseline``: a lower score, an escape or false alert it did not have.
    A detection the baseline does not know has every unexpected finding counted as new."""
    earlier = {d["detection"]: d for d in baseline["detections"]}
    problems = []
    for report in run.reports:
        before = earlier.get(report.detection, {"score": 1.0, "escaped": [], "false_alerts": []})
        if report.score < before["score"]:
            problems.append(
                f"{report.detection}: score {report.score} is below the baseline's {before['score']}"
            )
        known = {
            (f["operator"], f["source"], f["mode"]) for f in [*before["escaped"], *before["false_alerts"]]
        }
        for finding in report.unexpected:
            if (finding.operator, finding.source, finding.mode) not in known:
                what = "escaped" if finding.expected == "fire" else "false alert"
                problems.append(
                    f"{report.detection}: new {what}: {finding.operator} of {finding.source!r} "
                    f"({finding.mode}): {'; '.join(finding.diff[:3])}"
                )
    return problems
