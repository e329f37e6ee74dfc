"""Exceptions with an owner and an expiry: how they become a query clause, and when they expire.

An exception is rendered as an explicit ``AND NOT (...)`` on the alert's query, the same text in
the alert JSON, the `.lucene` file and the Terraform module (which composes it from its
``exceptions`` inputs the same way), so a reviewer sees exactly what is excluded.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import date, timedelta

from coralogix_pack.core.diagnostics import Diagnostic, Severity
from coralogix_pack.lucene.fields import prefixed
from coralogix_pack.values.model import Exception_, Values

TODAY_ENV = "PACK_TODAY"  # YYYY-MM-DD: a fixed clock for tests and reproducible CI runs
DEFAULT_WARNING_DAYS = 14


def exception_clause(exception: Exception_, field_prefix: str = "") -> str:
    """``field:("a" OR "b")`` (the field under the prefix), or the Lucene fragment as written."""
    if exception.lucene is not None:
        return f"({exception.lucene})"
    values = " OR ".join(json.dumps(v, ensure_ascii=False) for v in exception.values)
    return f"{prefixed(str(exception.field), field_prefix)}:({values})"


def with_exceptions(query: str, exceptions: Iterable[Exception_], field_prefix: str = "") -> str:
    clauses = [exception_clause(e, field_prefix) for e in exceptions]
    if not clauses:
        return query
    return f"({query}) AND NOT ({' OR '.join(clauses)})"


def today() -> date:
    fixed = os.environ.get(TODAY_ENV)
    return date.fromisoformat(fixed) if fixed else date.today()


def expiry_diagnostics(
    values: Values,
    *,
    on: date | None = None,
    warning_days: int = DEFAULT_WARNING_DAYS,
    allow_expired: bool = False,
) -> list[Diagnostic]:
    """An error per expired exception (a warning with ``allow_expired``), a warning for those close."""
    day = on or today()
    found = []
    entries = [("*", e) for e in values.exceptions] + [
        (detection_id, e) for detection_id, o in values.detections.items() for e in o.exceptions
    ]
    for scope, exception in entries:
        if exception.expires is None:
            continue
        expires = date.fromisoformat(exception.expires)
        file, line = exception.where
        path = "exceptions" if scope == "*" else f"detections.{scope}.exceptions"
        who = f"owner {exception.owner}"
        if expires < day:
            severity = Severity.WARNING if allow_expired else Severity.ERROR
            message = f"exception expired on {exception.expires} ({who}): {exception.reason}"
            hint = "renew it with a new date, or remove it (--allow-expired to proceed anyway)"
            found.append(
                Diagnostic(
                    file=file,
                    line=line,
                    path=path,
                    message=message,
                    hint=hint,
                    severity=severity,
                    code="CXP513",
                )
            )
        elif expires <= day + timedelta(days=warning_days):
            message = f"exception expires on {exception.expires} ({who}): {exception.reason}"
            found.append(
                Diagnostic(
                    file=file,
                    line=line,
                    path=path,
                    message=message,
                    hint="renew or remove it",
                    severity=Severity.WARNING,
                    code="CXP514",
                )
            )
    return found
