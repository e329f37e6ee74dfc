"""The public API: every function the CLI calls, for scripts, notebooks and other tools.

    import coralogix_pack as cp

    pack = cp.load_pack(values=["values/prod.yaml"])     # catalog + values + templates, checked
    rendered = cp.render(pack)                            # .files, .alerts
    reports = cp.run_tests(pack)                          # the catalog's own test records
    with cp.connect(region="EU2") as client:              # key from CORALOGIX_API_KEY
        plan = cp.plan(pack, client, prune=True)
        result = cp.apply(plan, client)

Every failure a user can fix raises ``cp.CoralogixPackError`` (``cp.PackError`` for invalid
input, with located ``diagnostics``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coralogix_pack.catalog.model import Catalog
from coralogix_pack.core.diagnostics import Diagnostic, PackError, cannot_write
from coralogix_pack.core.resources import default_catalog_dir, default_templates_dir
from coralogix_pack.rendering.validation import LoadedPack as LoadedPack
from coralogix_pack.rendering.validation import Validation as Validation

if TYPE_CHECKING:
    from coralogix_pack.deploy.apply import ApplyResult, Outcome
    from coralogix_pack.deploy.client import CoralogixClient
    from coralogix_pack.deploy.plan import Plan
    from coralogix_pack.deploy.saved import SavedPlan
    from coralogix_pack.offline.cases import TestRun
    from coralogix_pack.offline.mutation import MutationRun
    from coralogix_pack.offline.replay import BacktestOptions, BacktestResult
    from coralogix_pack.query.client import QueryClient
    from coralogix_pack.query.doctor import DoctorReport
    from coralogix_pack.query.preview import PreviewReport
    from coralogix_pack.rendering.pipeline import Rendered
    from coralogix_pack.sigma.importer import ImportResult

PathLike = str | Path


def _dirs(catalog: PathLike | None, templates: PathLike | None) -> tuple[Path, Path]:
    return Path(catalog or default_catalog_dir()), Path(templates or default_templates_dir())


def catalog_dir(catalog: PathLike | None = None) -> Path:
    """The catalog folder a command uses: the given one, the working project's, or the bundled one."""
    return _dirs(catalog, None)[0]


def validate(
    catalog: PathLike | None = None,
    values: Sequence[PathLike] = (),
    templates: PathLike | None = None,
    *,
    allow_expired: bool = False,
    expiry_warning_days: int = 14,
) -> Validation:
    """Every problem of the catalog and values files at once (warnings included); raises nothing.

    An exception past its ``expires`` date is an error unless ``allow_expired``."""
    from coralogix_pack.rendering.validation import validate as run

    catalog_dir, templates_dir = _dirs(catalog, templates)
    loaded, merged, diagnostics = run(
        catalog_dir,
        templates_dir,
        [Path(v) for v in values],
        allow_expired=allow_expired,
        warning_days=expiry_warning_days,
    )
    return Validation(loaded, diagnostics, merged)


def load_pack(
    catalog: PathLike | None = None,
    values: Sequence[PathLike] = (),
    templates: PathLike | None = None,
    *,
    allow_expired: bool = False,
    render_checks: bool = True,
) -> LoadedPack:
    """The catalog (default: the bundled one), values files (merged in order) and templates, validated.

    Raises PackError with every error found; an exception past its ``expires`` date is one unless
    ``allow_expired``. Commands that only evaluate or read (test, backtest, export) pass
    ``render_checks=False``: the limits of rendered names and descriptions are not checked then.
    """
    from coralogix_pack.rendering.validation import load_inputs

    catalog_dir, templates_dir = _dirs(catalog, templates)
    paths = [Path(v) for v in values]
    loaded, settings, engine = load_inputs(
        catalog_dir, templates_dir, paths, allow_expired=allow_expired, render_checks=render_checks
    )
    return LoadedPack(loaded, settings, engine)


def load_catalog(catalog: PathLike | None = None) -> Catalog:
    """The catalog alone (for tests and backtests that need no templates)."""
    from coralogix_pack.catalog.loader import load_catalog as load

    return load(catalog_dir(catalog))


def render(pack: LoadedPack) -> Rendered:
    """Alert JSON, Lucene queries, the Terraform module and a manifest, in memory."""
    from coralogix_pack.rendering.pipeline import render_pack

    return render_pack(pack.deployed, pack.values, pack.templates)


def write(
    rendered: Rendered, out: PathLike, *, force: bool = False, protected: Sequence[PathLike] = ()
) -> tuple[list[str], list[str]]:
    """Write a render into ``out`` atomically; returns (stale files removed, stale files kept).

    ``out`` must be new, empty or a folder pack rendered (``force`` lifts that), and never the
    root, the home folder or one of ``protected`` (the catalog and templates); one writer at a
    time (see ``coralogix_pack.core.outputs``)."""
    from coralogix_pack.core import outputs
    from coralogix_pack.rendering.outdir import MANIFEST, write_rendered, written_by_pack

    folder, guard = Path(out), [Path(p) for p in protected]
    with outputs.claimed(
        folder, written_by_pack=written_by_pack, marker=MANIFEST, force=force, protected=guard
    ):
        return write_rendered(rendered.files, folder)


def check(rendered: Rendered, out: PathLike) -> str:
    """A unified diff between ``out`` and ``rendered``; empty when ``out`` is current."""
    from coralogix_pack.rendering.outdir import check_rendered

    return check_rendered(rendered.files, Path(out))


def select(catalog: Catalog, ids: Iterable[str], source: str) -> list[str]:
    """``ids`` checked against the catalog; PackError naming ``source`` for unknown ones."""
    chosen = list(ids)
    unknown = [i for i in chosen if i not in catalog.ids]
    if unknown:
        known = "known ids: " + ", ".join(catalog.ids)
        raise PackError(
            [
                Diagnostic(file=source, message=f"unknown detection id {i!r}", hint=known, code="CXP800")
                for i in unknown
            ]
        )
    return chosen


def run_tests(pack: LoadedPack, ids: Iterable[str] = ()) -> TestRun:
    """Each detection's test records through the evaluator, in both case modes, with the values'
    exceptions applied."""
    from coralogix_pack.offline.cases import TestRun
    from coralogix_pack.offline.cases import run_tests as run

    return TestRun(run(pack.catalog, select(pack.catalog, ids, "detection ids"), pack.values))


def mutate(pack: LoadedPack, ids: Iterable[str] = (), seed: int = 0) -> MutationRun:
    """Seeded variants of each detection's test records and the verdict each must give."""
    from coralogix_pack.offline.mutation import mutate as run

    return run(pack.catalog, select(pack.catalog, ids, "detection ids"), seed)


def backtest(
    pack: LoadedPack,
    files: Iterable[PathLike],
    options: BacktestOptions | None = None,
    *,
    on_bytes: Callable[[int], None] | None = None,
) -> BacktestResult:
    """Replay exported Activity Logs (``-`` is stdin) through the pack's enabled detections with
    its values; PackError for an unreadable input or a bad option, before anything is read."""
    from coralogix_pack.offline.backtest import backtest as replay

    return replay(pack.deployed, [Path(f) for f in files], pack.values, options, on_bytes)


def connect(
    region: str | None = None,
    *,
    api_url: str | None = None,
    domain: str | None = None,
    api_key_file: PathLike | None = None,
    timeout: float = 30.0,
    retry_base_delay: float = 0.5,
) -> CoralogixClient:
    """A client for the account (region, domain or URL as the CLI resolves them; the key from
    CORALOGIX_API_KEY or ``api_key_file``), to use as a context manager."""
    from coralogix_pack.deploy.client import CoralogixClient, RetryPolicy
    from coralogix_pack.deploy.target import resolve_target

    key_file = Path(api_key_file) if api_key_file else None
    target = resolve_target(region, api_url, key_file, domain)
    return CoralogixClient(target, timeout=timeout, retry=RetryPolicy(base_delay=retry_base_delay))


def plan(pack: LoadedPack, client: CoralogixClient, *, prune: bool = False, only: Iterable[str] = ()) -> Plan:
    """What apply would change in the account; reads only."""
    chosen = select(pack.deployed, only, "--only")  # before any request: a typo costs no call
    result = _plan_from(pack, client.list_alerts(), client.target.base_url, prune, chosen)
    result.names = _notification_names(client) if _uses_destinations(result) else {}
    return result


def _uses_destinations(result: Plan) -> bool:
    return any((a.properties or {}).get("notificationGroup", {}).get("destinations") for a in result.actions)


def _notification_names(client: CoralogixClient) -> dict[str, str]:
    """Connector and preset names for the plan's text; none when the key may not read them."""
    from coralogix_pack.deploy.answers import ApiError

    try:
        return {i["id"]: i["name"] for i in [*client.list_connectors(), *client.list_presets()] if i["name"]}
    except ApiError:
        return {}


def _plan_from(
    pack: LoadedPack,
    live: list[dict[str, Any]],
    target: str,
    prune: bool,
    only: Iterable[str],
    wanted: dict[str, dict[str, Any]] | None = None,
) -> Plan:
    from coralogix_pack.deploy.plan import make_plan
    from coralogix_pack.deploy.vendor import vendor_twins

    chosen = select(pack.deployed, only, "--only")
    wanted = wanted if wanted is not None else desired(pack)
    meta = pack.catalog.pack
    result = make_plan(meta.name, meta.version, target, wanted, live, prune=prune, only=chosen)
    result.notes += [t.note() for t in vendor_twins(pack.deployed, wanted, live, meta.name)]
    return result


def apply(
    plan: Plan,
    client: CoralogixClient,
    report: Callable[[Outcome], None] | None = None,
    *,
    max_delete: int | None = None,
) -> ApplyResult:
    """Carry out a plan, then remove copies; ``max_delete`` refuses a plan that deletes more, and
    bounds the plan's deletes and the copies removed afterwards together."""
    from coralogix_pack.deploy.apply import apply_plan, check_delete_budget

    if max_delete is not None:
        check_delete_budget(plan, max_delete)
    return apply_plan(plan, client, report or (lambda outcome: None), max_delete)


def export(
    pack: LoadedPack,
    client: CoralogixClient,
    out: PathLike,
    *,
    force: bool = False,
    protected: Sequence[PathLike] = (),
) -> list[Path]:
    """The managed alerts as the account holds them, one redacted JSON file each, into a folder
    that is new, empty or an earlier export (``force`` lifts that; never ``protected`` ones nor the
    catalog and templates)."""
    from coralogix_pack.core import outputs
    from coralogix_pack.deploy.export import INDEX, export_managed, written_by_pack

    folder = Path(out)
    guard = [pack.catalog.directory, pack.templates.directory, *(Path(p) for p in protected)]
    with outputs.claimed(folder, written_by_pack=written_by_pack, marker=INDEX, force=force, protected=guard):
        return export_managed(client, pack.catalog.pack.name, folder)


def connect_queries(
    client: CoralogixClient,
    *,
    query_url: str | None = None,
    tier: str = "archive",  # or "frequent"
    interval: float | None = None,
    timeout: float = 120.0,
) -> QueryClient:
    """A DataPrime query client on the same account (host from the alerts client unless
    ``query_url``), paced to Coralogix's 30 queries a minute unless ``interval`` says otherwise."""
    from coralogix_pack.coralogix.api import QUERIES_PER_MINUTE
    from coralogix_pack.query.client import QueryClient, Tier

    pace = 60.0 / QUERIES_PER_MINUTE if interval is None else interval
    chosen = Tier.named(tier)
    return QueryClient(client.target, query_url=query_url, tier=chosen, interval=pace, timeout=timeout)


def doctor(
    pack: LoadedPack, client: CoralogixClient, queries: QueryClient, start: float, end: float
) -> DoctorReport:
    """Check the key, the records, where their fields live and the deployed alerts."""
    from coralogix_pack.query.doctor import Doctor, alert_keys

    keys = alert_keys(pack.deployed, pack.values)
    routes = {d.id: pack.values.alert_settings(d).destinations for d in pack.deployed.detections}
    make_plan = lambda: plan(pack, client)  # noqa: E731 - evaluated by the doctor when it gets there
    return Doctor(pack.values, client, queries, make_plan, start, end, keys, routes).run()


def preview(
    pack: LoadedPack,
    queries: QueryClient,
    start: float,
    end: float,
    *,
    only: Iterable[str] = (),
    progress: Callable[[str], None] | None = None,
) -> PreviewReport:
    """How many alerts each enabled detection would have raised between ``start`` and ``end``."""
    from coralogix_pack.query.preview import preview as run
    from coralogix_pack.rendering.pipeline import views_for

    chosen = set(select(pack.deployed, only, "--only"))
    views = [v for v in views_for(pack.deployed, pack.values, pack.templates) if not chosen or v.id in chosen]
    return run(queries, views, start, end, progress)


def desired(pack: LoadedPack) -> dict[str, dict[str, Any]]:
    """Detection id -> the alertDefProperties the pack wants in the account."""
    from coralogix_pack.deploy.plan import desired_alerts

    return desired_alerts(pack.deployed, pack.values, pack.templates)


def save_plan(
    plan: Plan,
    pack: LoadedPack,
    out: PathLike,
    catalog: PathLike | None = None,
    templates: PathLike | None = None,
    values: Sequence[PathLike] = (),
    *,
    prune: bool = False,
    protected: Sequence[PathLike] = (),
) -> None:
    """Write ``plan`` for a later `pack apply FILE`, with what it was made from.

    ``out`` may replace only an earlier saved plan: never an input (a values file, anything in the
    catalog or templates folder, a file in ``protected``) nor any other existing file."""
    from coralogix_pack.core.files import write_atomic
    from coralogix_pack.deploy.saved import SavedInputs, check_destination, save

    destination = Path(out)
    folders = [pack.catalog.directory, pack.templates.directory]
    check_destination(destination, [Path(p) for p in (*values, *protected)], folders)
    inputs = SavedInputs(
        str(catalog) if catalog else None,
        str(templates) if templates else None,
        tuple(str(v) for v in values),
    )
    try:
        write_atomic(destination, save(plan, desired(pack), inputs, prune))
    except OSError as exc:
        raise cannot_write(out, exc) from None


def load_saved_plan(path: PathLike) -> SavedPlan:
    from coralogix_pack.deploy.saved import load

    return load(Path(path))


def saved_plan_if_current(saved: SavedPlan, pack: LoadedPack, client: CoralogixClient) -> Plan:
    """The saved plan, after checking that a fresh plan from its recorded inputs, against the live
    account, does exactly what it says; raises StalePlan naming every action that differs."""
    from coralogix_pack.deploy.saved import check_current

    live, wanted = client.list_alerts(), desired(pack)
    fresh = _plan_from(pack, live, client.target.base_url, saved.prune, saved.only, wanted)
    return check_current(saved, client.target.base_url, wanted, live, fresh)


def import_sigma(paths: Sequence[PathLike], out: PathLike, *, skip_unsupported: bool = False) -> ImportResult:
    """Sigma rules (files or folders) to catalog files in ``out``; refusals with their reasons.
    Needs pySigma: ``pip install 'coralogix-pack[sigma]'`` (CXP804 without it)."""
    from coralogix_pack.sigma.importer import import_rules

    return import_rules([Path(p) for p in paths], Path(out), skip_unsupported=skip_unsupported)


def export_sigma(
    pack: LoadedPack, out: PathLike, *, force: bool = False
) -> tuple[list[Path], list[tuple[str, str]]]:
    """The deployed detections as Sigma rules, one file each, into a new or empty folder (or one of
    earlier Sigma exports; ``force`` for another); (files written, (id, reason) left out)."""
    from coralogix_pack.sigma.export import write_export

    return write_export(pack.deployed, Path(out), force=force)
