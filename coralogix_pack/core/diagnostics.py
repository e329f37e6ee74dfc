"""Located error reporting shared by every stage of the pipeline.

Every user-facing problem becomes a Diagnostic rendered as
``file:line: field.path: message (hint)`` so editors and CI annotate it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from coralogix_pack.core.errors import CoralogixPackError

PROVENANCE_CODE = "CXP410"  # a vendor ATT&CK mapping kept as provenance that ATT&CK contradicts


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True, kw_only=True)
class Diagnostic:
    """One problem, located. The common case is one line:
    ``Diagnostic(file=path, message="...", hint="...", code="CXP801")``."""

    file: str
    line: int = 0  # 0: the whole file (or an option)
    path: str = ""  # the field inside the document, e.g. tests.cases[2].record
    message: str
    hint: str = ""
    severity: Severity = Severity.ERROR
    code: str = ""  # stable identifier of the kind of problem, e.g. CXP201 (docs/diagnostics.md)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def as_dict(self) -> dict[str, object]:
        """As `pack validate --format json` lists it (schemas/validate.schema.json)."""
        return {
            "file": self.file,
            "line": self.line,
            "field": self.path,
            "message": self.message,
            "hint": self.hint,
            "severity": str(self.severity),
            "code": self.code,
        }

    def format(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.path}:" if self.path else ""
        hint = f" ({self.hint})" if self.hint else ""
        prefix = "warning: " if self.severity is Severity.WARNING else ""
        return f"{where}:{field} {prefix}{self.message}{hint}"


class PackError(CoralogixPackError):
    """Raised when input is invalid; carries every diagnostic found."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = sorted(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))

    def lines(self) -> list[str]:
        """Errors first, then warnings; vendor-mapping provenance warnings as one note, so an error
        is never buried among them."""
        errors = [d for d in self.diagnostics if d.is_error]
        warnings = [d for d in self.diagnostics if not d.is_error and d.code != PROVENANCE_CODE]
        provenance = len(self.diagnostics) - len(errors) - len(warnings)
        note = (
            [
                f"note: {provenance} vendor ATT&CK mapping(s) kept as provenance are inconsistent "
                "(pack validate --provenance lists them)"
            ]
            if provenance
            else []
        )
        return [*(d.format() for d in [*errors, *warnings]), *note]


def cannot_write(where: object, exc: OSError) -> PackError:
    """The error for an output (``where``) that could not be written."""
    return PackError(
        [
            Diagnostic(
                file=str(where), message=f"cannot write: {exc.strerror}", hint="check --out", code="CXP701"
            )
        ]
    )


def errors_only(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.severity is Severity.ERROR]
