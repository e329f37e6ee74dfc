"""`pack emulator`: the local stand-in of the alert-definitions API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from coralogix_pack.cli.options import KeyFileOpt
from coralogix_pack.cli.runner import app, err


@app.command()
def emulator(
    port: Annotated[
        int, typer.Option("--port", metavar="PORT", help="Port on 127.0.0.1 (0 picks a free one).")
    ] = 8080,
    host: Annotated[
        str, typer.Option("--host", metavar="HOST", help="Loopback address to bind.")
    ] = "127.0.0.1",
    api_key_file: KeyFileOpt = None,
    page_size: Annotated[int, typer.Option("--page-size", metavar="N", help="Alerts per list page.")] = 50,
    fault_rate: Annotated[
        float,
        typer.Option(
            "--fault-rate", metavar="RATE", help="Share of requests answered with an injected fault."
        ),
    ] = 0.0,
    seed: Annotated[int, typer.Option("--seed", metavar="SEED", help="Seed of the fault schedule.")] = 0,
    behaviours: Annotated[
        list[str] | None,
        typer.Option(
            "--behaviour",
            metavar="NAME",
            help="Backend behaviour to emulate; repeat (see docs/deploying.md).",
        ),
    ] = None,
    logs: Annotated[
        list[Path] | None,
        typer.Option(
            "--logs", metavar="FILE", help="Activity Log files (backtest formats) served by the query API."
        ),
    ] = None,
    logs_prefix: Annotated[
        str, typer.Option("--logs-prefix", metavar="PATH", help="Nest each record under this key, e.g. body.")
    ] = "",
    logs_application: Annotated[str, typer.Option("--logs-application", metavar="NAME")] = "azure",
    logs_subsystem: Annotated[str, typer.Option("--logs-subsystem", metavar="NAME")] = "activity-log",
    notification_center: Annotated[
        Path | None,
        typer.Option(
            "--notification-center",
            metavar="FILE",
            help='JSON {"connectors": [{id, name, type}], "presets": [{id, name}]} served read-only.',
        ),
    ] = None,
) -> None:
    """Run a local emulator of the alert-definitions API (for demos and tests)."""
    import random

    from coralogix_pack.deploy.target import read_api_key
    from coralogix_pack.emulator import Behaviour, Emulator, FaultPlan
    from coralogix_pack.emulator.logs import LogStore

    if not 0 <= port <= 65535 or page_size < 1 or not 0.0 <= fault_rate <= 1.0:
        err("error: --port must be 0-65535, --page-size at least 1, --fault-rate between 0 and 1")
        raise typer.Exit(1)
    key = read_api_key(api_key_file)
    store = LogStore.from_files(logs or [], logs_application, logs_subsystem, logs_prefix)
    connectors, presets = _notification_center(notification_center)
    try:
        behaviour = Behaviour.from_names(list(behaviours or []))
        faults = FaultPlan(rate=fault_rate, rng=random.Random(seed))
        server = Emulator(
            key,
            host=host,
            port=port,
            page_size=page_size,
            faults=faults,
            behaviour=behaviour,
            logs=store,
            connectors=connectors,
            presets=presets,
        )
    except ValueError as exc:
        err(f"error: {exc}")
        raise typer.Exit(1) from None
    except OSError as exc:
        err(f"error: cannot listen on {host}:{port}: {exc.strerror} (pick another --port, or 0 for any)")
        raise typer.Exit(1) from None
    print(
        f"emulating the alert-definitions API at {server.base_url} (use it with --api-url) and the query "
        f"API over {len(store.logs)} logs; Ctrl+C stops it",
        flush=True,
    )
    try:
        server.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server.server_close()


def _notification_center(path: Path | None) -> tuple[list[Any], list[Any]]:
    """Connectors and presets from a JSON file; exit 1 naming the file when it is not that."""
    if path is None:
        return [], []
    from coralogix_pack.core.files import Unreadable, read_bounded

    try:
        document = json.loads(read_bounded(path, 16 * 2**20))
        connectors, presets = document.get("connectors", []), document.get("presets", [])
        if not isinstance(connectors, list) or not isinstance(presets, list):
            raise ValueError("connectors and presets must be lists")
        if not all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in [*connectors, *presets]):
            raise ValueError("every connector and preset needs a text id")
    except (OSError, Unreadable, ValueError, AttributeError, TypeError) as exc:
        expected = '{"connectors": [...], "presets": [...]}'
        err(f"error: {path}: not a Notification Center file ({exc}); expected {expected}")
        raise typer.Exit(1) from None
    return list(connectors), list(presets)
