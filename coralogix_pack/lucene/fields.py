"""The Azure Activity Log fields the queries may use, defined in one place.

Queries in the catalog name fields as they appear in a record exported by a
diagnostic setting (Event Hub / storage form). When a shipper nests each record
under a key (for example ``body``), set ``field_prefix`` in a values file and
every field of every query is rewritten to ``<prefix>.<field>`` at render time.
"""

from __future__ import annotations

# Top-level keys of an exported Activity Log record. Keys marked True hold
# nested objects whose sub-fields may be addressed with dotted paths.
ACTIVITY_LOG_FIELDS: dict[str, bool] = {
    "time": False,
    "resourceId": False,
    "operationName": False,
    "operationVersion": False,
    "category": False,
    "resultType": False,
    "resultSignature": False,
    "resultDescription": False,
    "durationMs": False,
    "callerIpAddress": False,
    "correlationId": False,
    "level": False,
    "location": False,
    "tenantId": False,
    "identity": True,
    "properties": True,
}

# Fields whose values arrive in upper case from some exporters and mixed case
# from others; a query must list the upper-case form of every value it names.
CASE_VARYING_FIELDS = frozenset({"operationName", "resourceId"})

EXISTS_FIELD = "_exists_"


# Coralogix indexes each string field three ways: the analysed text, a whole-value keyword and a number.
SUB_FIELDS = ("keyword", "numeric")


def field_problem(name: str) -> str | None:
    root, _, rest = name.partition(".")
    if root not in ACTIVITY_LOG_FIELDS:
        return f"unknown field {name!r}"
    if rest and not ACTIVITY_LOG_FIELDS[root] and rest not in SUB_FIELDS:
        return f"{root!r} is not an object; {name!r} cannot exist"
    return None


def known_fields_hint() -> str:
    return "known fields: " + ", ".join(
        f"{name}.*" if nested else name for name, nested in ACTIVITY_LOG_FIELDS.items()
    )


# Stands for the field prefix in queries rendered for the Terraform module, which applies
# var.field_prefix itself; no Activity Log record has a field of this name.
FIELD_PREFIX_SENTINEL = "PACKFIELDPREFIX"


def prefixed(name: str, prefix: str) -> str:
    return f"{prefix}.{name}" if prefix else name
