"""Inputs the benchmarks generate once under benchmarks/.data: Activity Log traffic in two shapes,
catalogs of 5,000 detections in two YAML styles, and comparable Sigma rules."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from harness import DATA, PACK, PY, REPO


def generate_logs(records: int, shape: str = "mixed") -> Path:
    """``mixed``: a day of traffic, about 5% look-alikes of detected operations (~1 KB records);
    ``heavy``: ~1.6 KB records, 5% detected operations in full lifecycles."""
    path = DATA / f"{shape}-{records}.ndjson"
    if not path.exists():
        DATA.mkdir(exist_ok=True)
        generator = "day_of_traffic" if shape == "mixed" else "heavy_traffic"
        code = (
            "import sys, orjson\n"
            f"sys.path.insert(0, {str(REPO / 'tests')!r})  # the synthetic traffic lives with the tests\n"
            f"from synthetic import {generator}\n"
            "out = sys.stdout.buffer\n"
            f"for r in {generator}({records}, seed=5): out.write(orjson.dumps(r) + b'\\n')\n"
        )
        with path.open("wb") as handle:
            subprocess.run([PY, "-c", code], stdout=handle, check=True)
    return path


def generate_catalog(count: int, distinct: bool = False, style: str = "dump") -> Path:
    """A synthetic catalog: copies of the 13 shipped detections (not the optional kinds, whose
    flows name other ids) under new ids and titles, without test records. ``style``: ``dump``
    writes each with ``yaml.safe_dump`` (plain and quoted scalars, long lines); ``pack`` keeps the
    shipped file's text (folded blocks), with the id and title lines changed. With ``distinct``
    (dump style), each query also excludes its own resource, so no two queries are the same."""
    import yaml

    name = f"catalog-{style}-distinct-{count}" if distinct else f"catalog-{style}-{count}"
    target = DATA / name
    if target.exists():
        return target
    target.mkdir(parents=True)
    shutil.copy(REPO / "catalog" / "pack.yaml", target / "pack.yaml")
    sources = sorted(
        p
        for p in (REPO / "catalog").glob("*.yaml")
        if p.name != "pack.yaml" and "\noptional: true" not in p.read_text()
    )
    for index in range(count):
        text = sources[index % len(sources)].read_text()
        raw = yaml.safe_load(text)
        new_id, title = f"{raw['id']}-{index:05d}", f"{raw['title']} no. {index}"
        if style == "pack":
            body = text.split("\ntests:\n")[0] + "\n"
            body = body.replace(f"id: {raw['id']}\n", f"id: {new_id}\n", 1)
            body = body.replace(f"title: {raw['title']}\n", f"title: {title}\n", 1)
            (target / f"{new_id}.yaml").write_text(body)
            continue
        raw["id"], raw["title"] = new_id, title
        raw.pop("tests", None)
        if distinct:
            raw["query"] = (
                f"({raw['query'].strip()}) AND NOT resourceId:(excluded{index:05d} OR EXCLUDED{index:05d})"
            )
        (target / f"{raw['id']}.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    return target


def generate_sigma_rules(count: int) -> Path | None:
    """``count`` Sigma rules comparable to the catalog: the shipped detections exported by
    ``pack export sigma`` (single rules; the correlations of the thresholds left out), copied under
    new ids and titles. None when sigma-cli is not installed."""
    import yaml

    if shutil.which("sigma") is None:
        return None
    target = DATA / f"sigma-{count}"
    if target.exists():
        return target
    exported = DATA / "sigma-export"
    shutil.rmtree(exported, ignore_errors=True)
    subprocess.run([*PACK, "export", "sigma", "--out", str(exported)], check=True, capture_output=True)
    rules = [d for p in sorted(exported.rglob("*.yml")) for d in [list(yaml.safe_load_all(p.read_text()))]]
    singles = [docs[0] for docs in rules if len(docs) == 1]
    target.mkdir(parents=True)
    for index in range(count):
        rule = dict(singles[index % len(singles)])
        rule.pop("name", None)
        rule["id"] = f"00000000-0000-4000-8000-{index:012d}"
        rule["title"] = f"{rule['title']} no. {index}"
        (target / f"rule-{index:05d}.yml").write_text(yaml.safe_dump(rule, sort_keys=False))
    return target
