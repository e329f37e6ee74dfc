"""coralogix-pack: detections as code for Coralogix.

The public API is in ``coralogix_pack.library`` and re-exported here, loaded on first use so the
CLI starts fast (see docs/library.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

_EXPORTS = {
    "LoadedPack": "coralogix_pack.library",
    "Validation": "coralogix_pack.library",
    "load_pack": "coralogix_pack.library",
    "load_catalog": "coralogix_pack.library",
    "validate": "coralogix_pack.library",
    "render": "coralogix_pack.library",
    "write": "coralogix_pack.library",
    "check": "coralogix_pack.library",
    "run_tests": "coralogix_pack.library",
    "mutate": "coralogix_pack.library",
    "backtest": "coralogix_pack.library",
    "connect": "coralogix_pack.library",
    "plan": "coralogix_pack.library",
    "apply": "coralogix_pack.library",
    "export": "coralogix_pack.library",
    "connect_queries": "coralogix_pack.library",
    "doctor": "coralogix_pack.library",
    "preview": "coralogix_pack.library",
    "import_sigma": "coralogix_pack.library",
    "export_sigma": "coralogix_pack.library",
    "Rendered": "coralogix_pack.rendering.pipeline",
    "BacktestOptions": "coralogix_pack.offline.replay",
    "Diagnostic": "coralogix_pack.core.diagnostics",
    "PackError": "coralogix_pack.core.diagnostics",
    "CoralogixPackError": "coralogix_pack.core.errors",
    "ApiError": "coralogix_pack.deploy.answers",
    "TargetError": "coralogix_pack.deploy.target",
    "TooManyDeletes": "coralogix_pack.deploy.apply",
}
__all__ = [  # noqa: RUF022 - grouped as in _EXPORTS
    "__version__",
    "LoadedPack",
    "Validation",
    "load_pack",
    "load_catalog",
    "validate",
    "render",
    "write",
    "check",
    "run_tests",
    "mutate",
    "backtest",
    "connect",
    "plan",
    "apply",
    "export",
    "connect_queries",
    "doctor",
    "preview",
    "import_sigma",
    "export_sigma",
    "Rendered",
    "BacktestOptions",
    "Diagnostic",
    "PackError",
    "CoralogixPackError",
    "ApiError",
    "TargetError",
    "TooManyDeletes",
]

if TYPE_CHECKING:
    from coralogix_pack.core.diagnostics import Diagnostic, PackError
    from coralogix_pack.core.errors import CoralogixPackError
    from coralogix_pack.deploy.answers import ApiError
    from coralogix_pack.deploy.apply import TooManyDeletes
    from coralogix_pack.deploy.target import TargetError
    from coralogix_pack.library import (
        LoadedPack,
        Validation,
        apply,
        backtest,
        check,
        connect,
        connect_queries,
        doctor,
        export,
        export_sigma,
        import_sigma,
        load_catalog,
        load_pack,
        mutate,
        plan,
        preview,
        render,
        run_tests,
        validate,
        write,
    )
    from coralogix_pack.offline.replay import BacktestOptions
    from coralogix_pack.rendering.pipeline import Rendered


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'coralogix_pack' has no attribute {name!r}")
