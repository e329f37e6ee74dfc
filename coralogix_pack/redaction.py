"""Keep the API key out of everything pack prints or writes.

Every secret the process learns is registered here; the CLI routes stdout and stderr through
``redact`` and writers of server content (export, saved plans) call it too. A key is matched
case-insensitively and in its URL-encoded forms, because servers and proxies echo it that way.
"""

from __future__ import annotations

import io
import re
from typing import Any

MASK = "***"
_patterns: dict[str, re.Pattern[str]] = {}


def register(secret: str) -> None:
    secret = secret.strip()
    if len(secret) < 4 or secret in _patterns:  # too short to be a key; masking it would garble text
        return
    # each character literally or percent-encoded, in any case: covers partial and full URL encoding
    pattern = "".join(_char_pattern(c) for c in secret)
    _patterns[secret] = re.compile(pattern, re.IGNORECASE)


def _char_pattern(char: str) -> str:
    encoded = "".join(f"%{byte:02x}" for byte in char.encode("utf-8"))
    return f"(?:{re.escape(char)}|{encoded})"


def forget_all() -> None:
    _patterns.clear()


def redact(text: str) -> str:
    for pattern in _patterns.values():
        text = pattern.sub(MASK, text)
    return text


def redact_json(value: Any) -> Any:
    """The same value with every string redacted (keys of objects too)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [redact_json(v) for v in value]
    if isinstance(value, dict):
        return {redact(str(k)): redact_json(v) for k, v in value.items()}
    return value


class RedactingStream(io.TextIOBase):
    """A text stream that redacts what passes through it before handing it on."""

    def __init__(self, inner: Any):
        super().__init__()
        self._inner = inner

    def write(self, text: str) -> int:
        self._inner.write(redact(text))
        return len(text)

    def flush(self) -> None:
        self._inner.flush()

    def isatty(self) -> bool:
        return bool(getattr(self._inner, "isatty", lambda: False)())

    def fileno(self) -> int:
        return int(self._inner.fileno())

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self._inner, "encoding", None) or "utf-8")

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self._inner, "errors", None)

    def writable(self) -> bool:
        return True
