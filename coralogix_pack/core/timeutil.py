"""Record timestamps: RFC 3339 text to epoch seconds and back."""

from __future__ import annotations

import re
from datetime import UTC, datetime


class BadTime(ValueError):
    pass


_MINUTES: dict[str, float] = {}
EARLIEST, LATEST = -2_208_988_800.0, 253_402_214_400.0 - 86_400 * 366  # 1900-01-01 .. late 9998


def parse_time(value: object) -> float:
    """Epoch seconds of an RFC 3339 / ISO 8601 timestamp (naive times are UTC)."""
    if type(value) is str and len(value) >= 20 and value[-1] == "Z" and value[10] == "T" and value[16] == ":":
        # fast path for the exporters' UTC form: one calendar computation per distinct minute
        minute = _MINUTES.get(value[:16])
        if minute is None:
            minute = _slow(value[:16] + ":00Z")
            if len(_MINUTES) > 100_000:
                _MINUTES.clear()
            _MINUTES[value[:16]] = minute
        try:
            seconds = float(value[17:-1])
        except ValueError:
            raise BadTime(f"time {value!r} is not RFC 3339") from None
        if not 0 <= seconds < 61:
            raise BadTime(f"time {value!r} is not RFC 3339")
        return minute + seconds
    return _slow(value)


def _slow(value: object) -> float:
    if not isinstance(value, str) or not value:
        raise BadTime(f"no usable time: {value!r}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadTime(f"time {value!r} is not RFC 3339") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        epoch = moment.timestamp()
    except (OverflowError, ValueError, OSError):
        epoch = float("nan")
    if not EARLIEST <= epoch <= LATEST:  # windows and reports add to it; keep every sum a valid date
        raise BadTime(f"time {value!r} is out of range (1900 to 9998)")
    return epoch


def format_time(epoch: float) -> str:
    try:
        moment = datetime.fromtimestamp(epoch, UTC)
    except (OverflowError, ValueError, OSError):
        return f"@{epoch}"
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    micros = moment.microsecond
    return f"{text}.{micros:06d}Z" if micros else f"{text}Z"


def time_bounds(since: str | None, until: str | None) -> tuple[float | None, float | None]:
    """The --from / --to window as epoch seconds; PackError naming the option when invalid."""
    from coralogix_pack.core.diagnostics import Diagnostic, PackError

    bounds: list[float | None] = []
    for option, text in (("--from", since), ("--to", until)):
        try:
            bounds.append(parse_time(text) if text is not None else None)
        except BadTime as exc:
            raise PackError(
                [
                    Diagnostic(
                        file=option,
                        message=str(exc),
                        hint="use RFC 3339, e.g. 2026-11-20T10:00:00Z",
                        code="CXP802",
                    )
                ]
            ) from None
    start, end = bounds
    if start is not None and end is not None and start >= end:
        raise PackError(
            [
                Diagnostic(
                    file="--from",
                    message=f"{since} is not before --to {until}",
                    hint="swap them",
                    code="CXP802",
                )
            ]
        )
    return start, end


# Windows and portal display times, both UTC where they come from (docs/testing.md)
_US_TIME = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{4}),? (\d{1,2}):(\d{2}):(\d{2})(\.\d+)? ?([AP]M)$", re.IGNORECASE
)
_SLASHED_TIME = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})(\.\d+)?$")


def utc_text(value: str) -> str:
    """A Windows or portal display time as RFC 3339 (``2/3/2026 6:04:55 PM``, ``2026/02/03
    18:04:55.123``: both UTC where they come from); any other text unchanged."""
    value = value.strip()
    if found := _US_TIME.match(value):
        month, day, year, hour, minute, second, fraction, half = found.groups()
        hour24 = int(hour) % 12 + (12 if half.upper() == "PM" else 0)
        return _rfc3339(int(year), int(month), int(day), hour24, int(minute), int(second), fraction)
    if found := _SLASHED_TIME.match(value):
        year, month, day, hour, minute, second, fraction = found.groups()
        return _rfc3339(int(year), int(month), int(day), int(hour), int(minute), int(second), fraction)
    return value


def _rfc3339(
    year: int, month: int, day: int, hour: int, minute: int, second: int, fraction: str | None
) -> str:
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return f"{year}/{month}/{day} {hour}:{minute}:{second}"  # not a date: parse_time says so
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (fraction or "") + "Z"
