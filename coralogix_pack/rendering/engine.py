"""The Jinja environment: strict undefined, the escaping and vocabulary filters."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2

from coralogix_pack.coralogix import vocabulary
from coralogix_pack.core.diagnostics import Diagnostic, PackError
from coralogix_pack.rendering import escaping


def _lookup(table: dict[str, str], name: str) -> Callable[[str], str]:
    def convert(value: str) -> str:
        try:
            return table[value]
        except KeyError:
            raise jinja2.TemplateRuntimeError(f"{name}: unknown value {value!r}") from None

    return convert


FILTERS = {
    "json": escaping.json_value,
    "hcl": escaping.hcl_value,
    "hcl_key": escaping.hcl_key,
    "hcl_query": escaping.hcl_query,
    "hcl_stated": escaping.hcl_stated,
    "resource_name": escaping.resource_name,
    "pad": lambda text, width: str(text).ljust(width),
    "api_priority": _lookup(vocabulary.API_PRIORITY, "api_priority"),
    "api_type": _lookup(vocabulary.API_TYPE, "api_type"),
    "api_window": _lookup(vocabulary.API_WINDOW, "api_window"),
    "tf_window": _lookup(vocabulary.TF_WINDOW, "tf_window"),
    "api_severity": _lookup(vocabulary.API_SEVERITY, "api_severity"),
    "tf_severity": _lookup(vocabulary.TF_SEVERITY, "tf_severity"),
    "api_operation": _lookup(vocabulary.API_LABEL_OPERATION, "api_operation"),
    "api_notify_on": _lookup(vocabulary.API_NOTIFY_ON, "api_notify_on"),
    "tf_notify_on": _lookup(vocabulary.TF_NOTIFY_ON, "tf_notify_on"),
    "api_condition": _lookup(vocabulary.API_CONDITION, "api_condition"),
    "api_day": _lookup(vocabulary.API_DAY, "api_day"),
    "api_time_of_day": lambda hhmm: {"hours": int(hhmm[:2]), "minutes": int(hhmm[3:])},
    "tf_condition": _lookup(vocabulary.TF_CONDITION, "tf_condition"),
    "api_new_value_window": _lookup(vocabulary.API_NEW_VALUE_WINDOW, "api_new_value_window"),
    "tf_new_value_window": _lookup(vocabulary.TF_NEW_VALUE_WINDOW, "tf_new_value_window"),
    "api_unique_count_window": _lookup(vocabulary.API_UNIQUE_COUNT_WINDOW, "api_unique_count_window"),
    "tf_unique_count_window": _lookup(vocabulary.TF_UNIQUE_COUNT_WINDOW, "tf_unique_count_window"),
    "api_auto_retire": _lookup(vocabulary.API_AUTO_RETIRE, "api_auto_retire"),
    "tf_auto_retire": _lookup(vocabulary.TF_AUTO_RETIRE, "tf_auto_retire"),
    "api_stage_op": _lookup(vocabulary.API_STAGE_OP, "api_stage_op"),
    "tf_stage_op": _lookup(vocabulary.TF_STAGE_OP, "tf_stage_op"),
}


class Templates:
    def __init__(self, directory: Path):
        if not directory.is_dir():
            raise PackError(
                [
                    Diagnostic(
                        file=str(directory),
                        message="templates directory not found",
                        hint="pass --templates DIR pointing at the Jinja templates",
                        code="CXP600",
                    )
                ]
            )
        self.directory = directory
        self.memo: dict[int, tuple[Any, Any, str]] = {}  # rendered texts reused within a run

    @cached_property
    def env(self) -> jinja2.Environment:
        """Built on first use: commands that render nothing never read the templates."""
        return _environment(self.directory)

    def render(self, name: str, **context: Any) -> str:
        try:
            return self.env.get_template(name).render(**context)
        except Exception as exc:  # includes Python errors raised inside a template expression, e.g. 1/0
            raise PackError([_template_problem(exc, str(self.directory / name), name)]) from None


def _template_problem(exc: Exception, file: str, name: str) -> Diagnostic:
    """What went wrong in a template, located; checked most specific first (TemplateNotFound is an
    OSError, TemplateSyntaxError a TemplateError)."""
    if isinstance(exc, jinja2.TemplateNotFound):
        missing = exc.name if isinstance(exc.name, str) and exc.name != name else None
        if missing is not None:  # an include or import inside ``name`` names it: blame that line
            where, message = str(Path(file).parent / missing), f"template not found (included by {name})"
            return Diagnostic(
                file=where, message=message, hint="copy it from the bundled templates folder", code="CXP601"
            )
        return Diagnostic(
            file=file,
            message="template not found",
            hint="copy it from the bundled templates folder",
            code="CXP601",
        )
    if isinstance(exc, jinja2.TemplateSyntaxError):
        message = f"template syntax error: {exc.message}"
        return Diagnostic(
            file=exc.filename or file,
            line=exc.lineno,
            message=message,
            hint="fix the template",
            code="CXP602",
        )
    if isinstance(exc, jinja2.UndefinedError | jinja2.TemplateRuntimeError):
        hint = "the template uses a value the renderer does not provide"
        return Diagnostic(
            file=file,
            line=_template_line(exc, name),
            message=f"template error: {exc}",
            hint=hint,
            code="CXP606",
        )
    if isinstance(exc, UnicodeDecodeError):
        return Diagnostic(
            file=file, message="template is not UTF-8 text", hint="save it as UTF-8", code="CXP607"
        )
    if isinstance(exc, OSError):
        return Diagnostic(file=file, message=f"cannot read template: {exc.strerror}", code="CXP607")
    if isinstance(exc, RecursionError):
        hint = "check its includes and macros"
        return Diagnostic(file=file, message="template recurses without end", hint=hint, code="CXP606")
    message = f"template error: {type(exc).__name__}: {exc}"
    return Diagnostic(
        file=file, line=_template_line(exc, name), message=message, hint="fix the expression", code="CXP606"
    )


_ENVIRONMENTS: dict[tuple[str, str], jinja2.Environment] = {}


def _environment(directory: Path) -> jinja2.Environment:
    """One Jinja environment per template set and content: compiled templates are reused while the
    files are unchanged (a library user or the test suite renders many times in one process)."""
    digest = hashlib.sha256()
    try:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(directory)).encode() + b"\0" + path.read_bytes() + b"\0")
    except OSError:
        digest.update(os.urandom(16))  # unreadable now: do not cache; the render reports the file
    key = (str(directory.absolute()), digest.hexdigest())
    if key not in _ENVIRONMENTS:
        if len(_ENVIRONMENTS) > 32:
            _ENVIRONMENTS.clear()
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(directory)),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        env.filters.update(FILTERS)
        env.globals["api_condition_more_than"] = vocabulary.API_CONDITION_MORE_THAN
        env.globals["api_next_op"] = vocabulary.API_NEXT_OP_AND
        env.globals["api_timeframe_up_to"] = vocabulary.API_TIMEFRAME_UP_TO
        _ENVIRONMENTS[key] = env
    return _ENVIRONMENTS[key]


def _template_line(exc: BaseException, name: str) -> int:
    tb = exc.__traceback__
    line = 0
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(name):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
