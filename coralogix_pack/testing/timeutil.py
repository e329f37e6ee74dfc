"""Record timestamps: RFC 3339 text to epoch seconds and back."""

from __future__ import annotations

from datetime import UTC, datetime


class BadTime(ValueError):
    pass


def parse_time(value: object) -> float:
    """Epoch seconds of an RFC 3339 / ISO 8601 timestamp (naive times are UTC)."""
    if not isinstance(value, str) or not value:
        raise BadTime(f"no usable time: {value!r}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadTime(f"time {value!r} is not RFC 3339") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def format_time(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    micros = moment.microsecond
    return f"{text}.{micros:06d}Z" if micros else f"{text}Z"
