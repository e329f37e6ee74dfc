"""A local emulator of Coralogix's alert-definitions REST API (OpenAPI facade v5), for tests and demos.

It serves list (paginated), get, create, replace and delete on the documented paths, checks the
Bearer key, validates bodies (unknown fields are a 400), and answers like the real API. Faults and
backend behaviours are switchable; it only ever listens on loopback.
"""

from coralogix_pack.core.network import is_loopback
from coralogix_pack.emulator.behaviour import FAULT_KINDS, Behaviour, Fault, FaultPlan
from coralogix_pack.emulator.server import Emulator, NotLoopback, Recorded

__all__ = [
    "FAULT_KINDS",
    "Behaviour",
    "Emulator",
    "Fault",
    "FaultPlan",
    "NotLoopback",
    "Recorded",
    "is_loopback",
]
