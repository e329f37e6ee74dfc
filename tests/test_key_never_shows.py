"""The API key never shows: for every command and output format, with keys drawn from a wide
alphabet planted where pack prints or writes them (server answers, log records, arguments), no run
of 8 or more of the key's characters appears in stdout, stderr or any file written."""

from __future__ import annotations

import copy
import html
import json
import os
import shutil
from pathlib import Path

import yaml
from conftest import CATALOG
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from coralogix_pack.core import redaction
from coralogix_pack.emulator import Emulator

EXAMPLES = int(os.environ.get("PACK_FUZZ_EXAMPLES", "0")) or 3
# What API keys look like and what a careless or hostile one might hold: every printable ASCII
# character but the space (pack refuses keys with spaces or non-ASCII characters, without echoing them).
KEY_ALPHABET = st.characters(min_codepoint=33, max_codepoint=126)
keys = st.text(alphabet=KEY_ALPHABET, min_size=16, max_size=48)
odd_keys = st.text(min_size=16, max_size=32).filter(lambda k: k.strip() == k and "\x00" not in k)


def _leaks(key: str, text: str) -> list[str]:
    variants = {text, html.unescape(text), text.replace('\\"', '"').replace("\\\\", "\\")}
    windows = {key[i : i + 8].lower() for i in range(len(key) - 7)}
    return sorted(w for w in windows for v in variants if w in v.lower())


def _everything(result, root: Path) -> str:
    files = [p.read_bytes().decode("utf-8", "replace") for p in sorted(root.rglob("*")) if p.is_file()]
    return "\n".join([result.out, result.err, *files])


class _Account:
    """An emulator whose alerts and a log file echo the key."""

    def __init__(self, key: str, root: Path):
        self.key, self.root = key, root
        root.mkdir(parents=True, exist_ok=True)
        self.server = Emulator(key).start()
        self.args = ["--api-url", self.server.base_url, "--retry-base-delay", "0", "--timeout", "5"]

    def plant(self, cli) -> None:
        assert cli("apply", "--auto-approve", *self.args).code == 0
        alert = next(iter(self.server.alerts.values()))
        properties = copy.deepcopy(alert["alertDefProperties"])
        properties["description"] = f"pasted by mistake: {self.key} (and cut: {self.key[:12]})"
        self.server.put_alert(properties, alert["id"])
        twin = copy.deepcopy(properties)
        twin["name"] = f"copy named {self.key}"
        self.server.put_alert(twin)

    def log_file(self) -> Path:
        detection = yaml.safe_load((CATALOG / "vm-deleted.yaml").read_text())
        record = next(c["record"] for c in detection["tests"]["cases"] if c["expect"] == "match")
        record["caller"] = self.key
        record.setdefault("identity", {}).setdefault("claims", {})["name"] = self.key
        path = self.root / "logs.ndjson"
        path.write_text(json.dumps(record) + "\n" + json.dumps({"note": self.key}) + "\n")
        return path


SCENARIOS = {
    "plan text": lambda a, out: ["plan", *a.args],
    "plan json": lambda a, out: ["plan", "--format", "json", *a.args],
    "plan markdown": lambda a, out: ["plan", "--format", "markdown", *a.args],
    "plan saved": lambda a, out: ["plan", "--out", str(out / "plan.json"), *a.args],
    "apply json": lambda a, out: ["apply", "--auto-approve", "--format", "json", *a.args],
    "export": lambda a, out: ["export", "--out", str(out / "export"), "--format", "json", *a.args],
    "backtest text": lambda a, out: ["backtest", str(a.log_file()), "--top", "3"],
    "backtest json": lambda a, out: ["backtest", str(a.log_file()), "--format", "json"],
    "backtest html": lambda a, out: ["backtest", str(a.log_file()), "--report", str(out / "r.html")],
    "argument": lambda a, out: ["plan", "--region", a.key],
    "option": lambda a, out: ["plan", f"--{a.key}"],
}


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a shrink would replay every command
)
@given(key=keys)
def test_no_run_of_the_key_is_printed_or_written(cli, tmp_path_factory, key):
    root = tmp_path_factory.mktemp("key")
    previous = os.environ.get("CORALOGIX_API_KEY")
    os.environ["CORALOGIX_API_KEY"] = key
    account = _Account(key, root / "in")
    try:
        account.plant(cli)
        for scenario, command in SCENARIOS.items():
            out = root / "out" / scenario.replace(" ", "-")
            out.mkdir(parents=True)
            result = cli(*command(account, out))
            assert result.code in (0, 1, 2), (scenario, result.text)
            assert _leaks(key, _everything(result, out)) == [], (scenario, key)
    finally:
        account.server.stop()
        redaction.forget_all()
        if previous is None:
            os.environ.pop("CORALOGIX_API_KEY", None)
        else:
            os.environ["CORALOGIX_API_KEY"] = previous
        shutil.rmtree(root, ignore_errors=True)


@settings(
    max_examples=EXAMPLES * 3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(key=odd_keys)
def test_a_key_pack_refuses_is_not_echoed_either(cli, key):
    previous = os.environ.get("CORALOGIX_API_KEY")
    os.environ["CORALOGIX_API_KEY"] = key
    try:
        result = cli(
            "plan",
            "--api-url",
            "http://127.0.0.1:9/mgmt/openapi/5",
            "--timeout",
            "1",
            "--retry-base-delay",
            "0",
        )
        assert result.code == 1 and "Traceback" not in result.text
        assert _leaks(key, result.text) == []
    finally:
        redaction.forget_all()
        if previous is None:
            os.environ.pop("CORALOGIX_API_KEY", None)
        else:
            os.environ["CORALOGIX_API_KEY"] = previous


def test_a_table_cut_to_the_terminal_width_does_not_leak_a_prefix():
    key = "cxtp_TableCut_Key_0123456789"
    redaction.register(key)
    try:
        cut = key[:18] + "…"
        assert _leaks(key, redaction.redact(f"| {cut} |")) == []
        assert redaction.redact("| cxtp_Ta |") == "| cxtp_Ta |"  # 7 characters of it are not a leak
    finally:
        redaction.forget_all()
