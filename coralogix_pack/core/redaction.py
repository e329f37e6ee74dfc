"""Keep the API key out of everything pack prints or writes.

Every secret the process learns is registered here; the CLI routes stdout and stderr through
``redact``, every file pack writes goes through it (``fsutil``), and writers of server content
(export, saved plans) call it too. Output may have been cut, padded or escaped before it reaches
a stream (a table cell cut to the terminal width, a JSON string, an HTML report), so a secret is
matched not only whole but as any run of ``WINDOW`` or more of its characters in order, each
character written literally, percent-encoded, as a JSON escape or as an HTML character reference,
in any case.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from typing import Any

MASK = "***"
WINDOW = 8  # no run of this many characters of a secret may appear anywhere
LONGEST_WINDOWED = 512  # longer secrets (not API keys) are matched whole only
# JSON's short escapes as regular expressions (a backslash, then the letter)
_JSON_SHORT = {
    '"': '\\\\"',
    "\\": "\\\\\\\\",
    "/": "\\\\/",
    "\b": "\\\\b",
    "\f": "\\\\f",
    "\n": "\\\\n",
    "\r": "\\\\r",
    "\t": "\\\\t",
}
# Text holding none of these can spell a secret only with its literal characters.
_INTRODUCERS = ("%", "\\", "&")


@dataclass(frozen=True)
class _Secret:
    pattern: re.Pattern[str]
    windows: tuple[str, ...]  # lower-cased literal runs of WINDOW characters


_secrets: dict[str, _Secret] = {}


def register(secret: str) -> None:
    secret = secret.strip()
    if len(secret) < 4 or secret in _secrets:  # too short to be a key; masking it would garble text
        return
    units = [_char_pattern(c) for c in secret]
    if WINDOW <= len(secret) <= LONGEST_WINDOWED:
        starts = []
        for i in range(len(secret) - WINDOW + 1):
            rest = units[i + WINDOW :]
            tail = "".join(f"(?:{u}" for u in rest) + ")?" * len(rest)  # as much more as follows
            starts.append("".join(units[i : i + WINDOW]) + tail)
        pattern = "|".join(f"(?:{s})" for s in starts)
        windows = tuple(secret[i : i + WINDOW].lower() for i in range(len(secret) - WINDOW + 1))
    else:
        pattern, windows = "".join(units), (secret.lower(),)
    _secrets[secret] = _Secret(re.compile(pattern, re.IGNORECASE), windows)


def _char_pattern(char: str) -> str:
    """One character of a secret in every spelling an output format may give it."""
    code = ord(char)
    forms = {re.escape(char)}
    forms.add("".join(f"%{byte:02x}" for byte in char.encode("utf-8", "surrogatepass")))
    forms.add(f"\\\\u{code:04x}" if code < 0x10000 else _surrogate_escape(code))
    if char in _JSON_SHORT:
        forms.add(_JSON_SHORT[char])
    forms.add(f"&#0*{code};")
    forms.add(f"&#x0*{code:x};")
    escaped = html.escape(char, quote=True)
    if escaped != char:
        forms.add(re.escape(escaped))
    return "(?:" + "|".join(sorted(forms, key=lambda f: (-len(f), f))) + ")"  # longest spelling first


def _surrogate_escape(code: int) -> str:
    high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
    return f"\\\\u{high:04x}\\\\u{low:04x}"


def forget_all() -> None:
    _secrets.clear()


def redact(text: str) -> str:
    if not _secrets or not text:
        return text
    lowered = None
    for secret in _secrets.values():
        if not any(i in text for i in _INTRODUCERS):
            lowered = lowered if lowered is not None else text.lower()
            if not any(w in lowered for w in secret.windows):
                continue  # cheap proof that this secret is absent: no literal run, no escapes
        text = secret.pattern.sub(MASK, text)
        lowered = None
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
    """A text stream that redacts what passes through it before handing it on.

    Text is held until a line ends (or ``flush``), so a key written in two pieces is still seen
    whole."""

    def __init__(self, inner: Any):
        super().__init__()
        self._inner = inner
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        cut = self._pending.rfind("\n") + 1
        if cut:
            self._inner.write(redact(self._pending[:cut]))
            self._pending = self._pending[cut:]
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._inner.write(redact(self._pending))
            self._pending = ""
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
