"""The Typer application and the one place errors become messages and exit codes.

Exit codes: 0 success, 1 any error a user can fix (usage errors included: 2 is reserved for
"plan found changes"), 2 changes found (plan, apply --dry-run), 3 internal error (a bug),
130 interrupted.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import NoReturn

import typer

INTERRUPTED = 130
NO_COLOR_ENV = "PACK_NO_COLOR"
VERBOSITY = {"level": 0}  # -1 quiet, 0 normal, 1 verbose; reset for every run

app = typer.Typer(
    name="pack",
    help="coralogix-pack: Azure VM security detections as code for Coralogix.",
    no_args_is_help=True,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rendering it with rich costs more than the rest of start-up
)


def _show_version(value: bool) -> None:
    if value:
        from coralogix_pack import __version__

        print(f"coralogix-pack {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", "-V", help="Show the version and exit.", is_eager=True, callback=_show_version
    ),
    no_color: bool = typer.Option(False, "--no-color", help="No colour (also when NO_COLOR is set)."),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Only results and errors: no summaries or notes."
    ),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="More detail: unchanged alerts, API requests."
    ),
) -> None:
    """coralogix-pack: Azure VM security detections as code for Coralogix."""
    if no_color:
        os.environ[NO_COLOR_ENV] = "1"
    VERBOSITY["level"] = -1 if quiet else (1 if verbose else 0)


def err(text: str) -> None:
    print(text, file=sys.stderr)


def say(text: str) -> None:
    """An informational line (summary, note): not printed with --quiet."""
    if VERBOSITY["level"] >= 0:
        print(text)


def note(text: str) -> None:
    """An informational line on stderr: not printed with --quiet."""
    if VERBOSITY["level"] >= 0:
        err(text)


def verbose() -> bool:
    return VERBOSITY["level"] > 0


def _terminate(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt  # unwinds like Ctrl+C, so pending writes remove their temporary files


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code.

    Everything printed passes through redaction: the key is known from the environment before
    options are parsed, so even a usage error that echoes a mistyped argument cannot show it.
    """
    import signal

    from coralogix_pack.core import redaction
    from coralogix_pack.deploy.target import KEY_ENV

    _register_commands()
    VERBOSITY["level"] = 0
    redaction.register(os.environ.get(KEY_ENV, ""))
    streams, colour = (sys.stdout, sys.stderr), os.environ.get(NO_COLOR_ENV)
    sys.stdout, sys.stderr = redaction.RedactingStream(sys.stdout), redaction.RedactingStream(sys.stderr)
    previous = signal.getsignal(signal.SIGTERM) if _main_thread() else None
    if previous is not None:
        signal.signal(signal.SIGTERM, _terminate)
    try:
        code = _run(argv)
        if type(sys.stdout).__name__ == "PacifyFlushWrapper":  # click met a closed pipe and hid it
            return _broken_pipe()
        try:
            sys.stdout.flush()  # redacted text waits for its line end: hand the rest on now
        except BrokenPipeError:
            return _broken_pipe()
        return code
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # a closed pipe: nothing more can be said there
                stream.flush()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        sys.stdout, sys.stderr = streams
        if colour is None:
            os.environ.pop(NO_COLOR_ENV, None)


COMMAND_MODULES = (
    "catalog_cmds",
    "offline_cmds",
    "account_cmds",
    "deploy_cmds",
    "emulator_cmd",
    "sigma_cmds",
)  # the order of --help


def _register_commands() -> None:
    import importlib

    for name in COMMAND_MODULES:  # importing a command module registers its commands on `app`
        importlib.import_module(f"coralogix_pack.cli.{name}")


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _run(argv: list[str] | None) -> int:
    from coralogix_pack.core.errors import CoralogixPackError

    usage_error, click_exception = _click_errors()
    try:
        code = app(args=argv, prog_name="pack", standalone_mode=False)
        if code == INTERRUPTED:  # typer turns KeyboardInterrupt (and our SIGTERM) into a silent 130
            err("interrupted")
        return code if isinstance(code, int) else 0
    except usage_error as exc:  # exit 1, not click's 2: 2 means "plan found changes"
        exc.show()  # type: ignore[attr-defined]
        return 1
    except typer.Abort:
        err("interrupted")
        return INTERRUPTED
    except click_exception as exc:
        exc.show()  # type: ignore[attr-defined]
        return 1
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except CoralogixPackError as exc:
        for line in exc.lines():
            err(line)
        return 1
    except KeyboardInterrupt:
        err("interrupted")
        return INTERRUPTED
    except BrokenPipeError:  # output piped into `head` that stopped reading
        return _broken_pipe()
    except Exception as exc:  # a crash trace is a bug; show it only on request
        if os.environ.get("PACK_DEBUG"):
            raise
        err(f"internal error: {type(exc).__name__}: {exc} (set PACK_DEBUG=1 for the trace and report it)")
        return 3


def _click_errors() -> tuple[type[Exception], type[Exception]]:
    """Click's UsageError and ClickException as typer raises them (newer typer vendors click)."""
    ancestry = {cls.__name__: cls for cls in typer.BadParameter.__mro__}
    return ancestry["UsageError"], ancestry["ClickException"]


def _broken_pipe() -> int:
    _silence_stdout()
    with contextlib.suppress(Exception):  # stderr may be gone too: then nothing can be said
        os.write(2, b"pack: the output was closed early (broken pipe); the rest was not written\n")
    return 1


def _silence_stdout() -> None:
    # Python flushes stdout again at exit; point it at /dev/null so that flush cannot fail too
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno())  # type: ignore[union-attr]


# One command per process, which builds large live sets (parse trees, YAML nodes, rendered text)
# and frees little until it exits: Python's default collector thresholds would re-scan those sets
# again and again (~10% of a 5,000-detection render). Collect less often, as mypy does.
GC_THRESHOLDS = (100_000, 50, 50)


def main() -> None:
    import gc

    gc.set_threshold(*GC_THRESHOLDS)
    sys.exit(run())
