"""Switches that make the emulator behave like a real, imperfect backend or network.

Faults are per-request failures (scripted or random with a seed). Behaviours are standing
differences between the real service and a tidy stand-in, each documented in the reference
notes: the server fills values the client did not send, prints integral doubles as ``10.0``,
emits unset fields, or paginates badly.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field, fields
from enum import StrEnum


class FaultKind(StrEnum):
    TOO_MANY = "429"
    INTERNAL = "500"
    UNAVAILABLE = "503"
    DROP = "drop"  # the connection is closed without an answer
    SLOW = "slow"  # the answer comes after ``delay`` seconds
    LOST = "lost"  # the change is made, the answer never arrives
    MIDSTREAM = "midstream"  # a query answer fails after it started (scripted only)


FAULT_KINDS = tuple(k for k in FaultKind if k is not FaultKind.MIDSTREAM)  # what --fault-rate draws from


@dataclass
class Fault:
    kind: FaultKind
    method: str | None = None  # only requests with this method; None = any
    path: str | None = None  # only requests whose path starts with this; None = any
    retry_after: float = 0.0
    delay: float = 2.0

    def __post_init__(self) -> None:
        self.kind = FaultKind(self.kind)  # scripts and tests may name it as text


@dataclass
class FaultPlan:
    scripted: deque[Fault] = field(default_factory=deque)
    rate: float = 0.0
    kinds: tuple[FaultKind, ...] = FAULT_KINDS
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    slow_delay: float = 2.0

    def next(self, method: str, path: str = "") -> Fault | None:
        for index, fault in enumerate(self.scripted):
            if fault.method in (None, method) and (fault.path is None or path.startswith(fault.path)):
                del self.scripted[index]
                return fault
        if self.rate and self.rng.random() < self.rate:
            kind = self.rng.choice(self.kinds)
            return Fault(kind, retry_after=self.rng.choice([0, 0.01]), delay=self.slow_delay)
        return None


@dataclass
class Behaviour:
    fill_defaults: bool = False  # incident cadence, webhook minutes/notifyOn, phantomMode, deleted, override
    float_numbers: bool = False  # integral doubles answered as 10.0 (a serde-based server)
    emit_unpopulated: bool = False  # protojson EmitUnpopulated: null, [], {}, 0, false for unset fields
    ignore_page_token: bool = False  # the gateway drops an unknown query key: page 1 every time
    repeat_page: bool = False  # page 2 repeats page 1 under a new token
    endless_pages: bool = False  # a new nextPageToken on every page, past the end
    short_list: bool = False  # the last page is left out, yet the one before names no next page
    empty_page: bool = False  # the list is one page of 0 alerts and no next token, with the real totalSize
    redirect: bool = False  # the list answers 302 to another host, with a JSON list as its body
    empty_id: bool = False  # a create is stored but answered with an empty id
    list_twice: bool = False  # the first alert of the list appears twice on page 1

    @classmethod
    def names(cls) -> list[str]:
        return [f.name.replace("_", "-") for f in fields(cls)]

    @classmethod
    def from_names(cls, names: list[str]) -> Behaviour:
        known = cls.names()
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValueError(f"unknown behaviour {unknown[0]!r}; known: {', '.join(known)}")
        return cls(**{n.replace("-", "_"): True for n in names})
