"""Stand-in of the coralogix/coralogix provider 3.x, for offline `terraform validate` and `plan`.

Only the schema of `coralogix_alert` is modelled, written from the project's
reference notes on the provider (nested attributes at every level, required and
optional members, enum values, cross-field rules). It plans creates and never
talks to Coralogix. Served to Terraform through a dev_overrides CLI config.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

from msgpack import ExtType
from tf import runner, schema, types
from tf.gen import tfplugin_pb2 as pb
from tf.iface import CreateContext, DeleteContext, PlanContext, ReadContext, UpdateContext
from tf.types import Unknown
from tf.utils import Diagnostics

_NESTING = {"single": pb.Schema.Object.SINGLE, "list": pb.Schema.Object.LIST, "set": pb.Schema.Object.SET}


class _Opaque(types.TfType):
    """Values of nested attributes travel as plain dicts and lists."""

    def encode(self, value: Any) -> Any:
        return value

    def decode(self, value: Any) -> Any:
        return value

    def semantically_equal(self, a_decoded: Any, b_decoded: Any) -> bool:
        return a_decoded == b_decoded

    def tf_type(self) -> bytes:
        raise NotImplementedError("nested attributes carry nested_type instead")


class Nested(schema.Attribute):
    """A plugin-framework nested attribute (SingleNested / ListNested / SetNested)."""

    def __init__(self, name: str, nesting: str, attributes: list[schema.Attribute], **kwargs: Any):
        super().__init__(name, _Opaque(), **kwargs)
        self.nesting = nesting
        self.attributes = attributes

    def to_pb(self) -> pb.Schema.Attribute:
        return pb.Schema.Attribute(
            name=self.name,
            nested_type=pb.Schema.Object(
                attributes=[a.to_pb() for a in self.attributes], nesting=_NESTING[self.nesting]
            ),
            required=self.required or None,
            optional=self.optional or None,
            computed=self.computed or None,
            description_kind=pb.PLAIN,
        )


def A(name: str, kind: Any, mode: str) -> schema.Attribute:
    return schema.Attribute(name, kind, **_mode(mode))


def N(name: str, nesting: str, mode: str, *attributes: schema.Attribute) -> Nested:
    return Nested(name, nesting, list(attributes), **_mode(mode))


def _mode(mode: str) -> dict[str, bool]:
    return {
        "R": {"required": True},
        "O": {"optional": True},
        "OC": {"optional": True, "computed": True},
        "C": {"computed": True},
    }[mode]


S, B, F = types.String(), types.Bool(), types.Number()

PRIORITIES = {"P1", "P2", "P3", "P4", "P5"}
TIME_WINDOWS = {
    "5_MINUTES",
    "10_MINUTES",
    "15_MINUTES",
    "20_MINUTES",
    "30_MINUTES",
    "1_HOUR",
    "2_HOURS",
    "4_HOURS",
    "6_HOURS",
    "12_HOURS",
    "24_HOURS",
    "36_HOURS",
}
CONDITION_TYPES = {"MORE_THAN", "LESS_THAN", "EQUALS", "NOT_EQUALS"}
OPERATIONS = {"IS", "INCLUDES", "STARTS_WITH", "ENDS_WITH"}
SEVERITIES = {"Debug", "Info", "Warning", "Error", "Critical", "Unspecified"}
NOTIFY_ON = {"Triggered Only", "Triggered and Resolved"}
DAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
RETIRE = {"NEVER", "5_MINUTES", "10_MINUTES", "1_HOUR", "2_HOURS", "6_HOURS", "12_HOURS", "24_HOURS"}
NO_DATA = {"OK", "ALERTING", "KEEP_LAST", "NO_DATA", "UNSPECIFIED"}
NEW_VALUE_WINDOWS = {
    "12_HOURS",
    "24_HOURS",
    "48_HOURS",
    "72_HOURS",
    "1_WEEK",
    "1_MONTH",
    "2_MONTHS",
    "3_MONTHS",
}
UNIQUE_COUNT_WINDOWS = TIME_WINDOWS | {"1_MINUTE"}
OPS = {"AND", "OR"}
TIMEFRAME_TYPES = {"Unspecified", "Up To"}


def _label_filter(name: str) -> Nested:
    return N(name, "set", "O", A("value", S, "R"), A("operation", S, "OC"))


LOGS_FILTER = N(
    "logs_filter",
    "single",
    "OC",
    N(
        "simple_filter",
        "single",
        "OC",
        A("lucene_query", S, "OC"),
        N(
            "label_filters",
            "single",
            "OC",
            _label_filter("application_name"),
            _label_filter("subsystem_name"),
            A("severities", types.Set(S), "O"),
        ),
    ),
)
PAYLOAD = A("notification_payload_filter", types.Set(S), "O")

ALERT_SCHEMA = schema.Schema(
    version=3,
    attributes=[
        A("id", S, "C"),
        A("name", S, "R"),
        A("description", S, "O"),
        A("enabled", B, "OC"),
        A("priority", S, "OC"),
        N(
            "schedule",
            "single",
            "O",
            N(
                "active_on",
                "single",
                "R",
                A("days_of_week", types.Set(S), "R"),
                A("start_time", S, "R"),
                A("end_time", S, "R"),
                A("utc_offset", S, "OC"),
            ),
        ),
        N(
            "type_definition",
            "single",
            "R",
            N("logs_immediate", "single", "O", LOGS_FILTER, PAYLOAD),
            N(
                "logs_threshold",
                "single",
                "O",
                N(
                    "rules",
                    "set",
                    "R",
                    N(
                        "condition",
                        "single",
                        "R",
                        A("threshold", F, "R"),
                        A("time_window", S, "R"),
                        A("condition_type", S, "R"),
                    ),
                    N("override", "single", "R", A("priority", S, "OC")),
                ),
                LOGS_FILTER,
                PAYLOAD,
                N(
                    "undetected_values_management",
                    "single",
                    "OC",
                    A("trigger_undetected_values", B, "OC"),
                    A("auto_retire_timeframe", S, "OC"),
                ),
                N("no_data_policy", "single", "OC", A("state", S, "OC"), A("auto_retire_seconds", F, "O")),
                A("custom_evaluation_delay", F, "O"),
            ),
            N(
                "logs_new_value",
                "single",
                "O",
                N(
                    "rules",
                    "set",
                    "R",
                    N("condition", "single", "R", A("keypath_to_track", S, "R"), A("time_window", S, "R")),
                ),
                LOGS_FILTER,
                PAYLOAD,
            ),
            N(
                "logs_unique_count",
                "single",
                "O",
                A("unique_count_keypath", S, "R"),
                A("max_unique_count_per_group_by_key", F, "O"),
                N(
                    "rules",
                    "set",
                    "R",
                    N("condition", "single", "R", A("max_unique_count", F, "R"), A("time_window", S, "R")),
                ),
                LOGS_FILTER,
                PAYLOAD,
            ),
            N(
                "flow",
                "single",
                "O",
                A("enforce_suppression", B, "OC"),
                N(
                    "stages",
                    "list",
                    "R",
                    N(
                        "flow_stages_groups",
                        "list",
                        "R",
                        N("alert_defs", "set", "R", A("id", S, "R"), A("not", B, "OC")),
                        A("alerts_op", S, "R"),
                        A("next_op", S, "R"),
                    ),
                    A("timeframe_type", S, "R"),
                    A("timeframe_ms", F, "O"),
                ),
            ),
        ),
        A("phantom_mode", B, "OC"),
        A("deleted", B, "C"),
        A("group_by", types.List(S), "OC"),
        N(
            "incidents_settings",
            "single",
            "OC",
            A("notify_on", S, "R"),
            N("retriggering_period", "single", "R", A("minutes", F, "R")),
        ),
        N(
            "notification_group",
            "single",
            "OC",
            A("group_by_keys", types.List(S), "O"),
            N(
                "webhooks_settings",
                "set",
                "O",
                A("integration_id", S, "O"),
                A("recipients", types.Set(S), "O"),
                A("notify_on", S, "OC"),
                N("retriggering_period", "single", "OC", A("minutes", F, "R")),
            ),
            N("router", "single", "O", A("notify_on", S, "OC")),
            N(
                "destinations",
                "list",
                "O",
                A("connector_id", S, "R"),
                A("preset_id", S, "R"),
                A("notify_on", S, "OC"),
                A("retriggering_period_minutes", F, "O"),
            ),
        ),
        A("labels", types.Map(S), "O"),
        N("data_sources", "list", "O", A("data_space", S, "R"), A("data_set", S, "R")),
    ],
)

# (path with "*" for every element of a collection, allowed values)
ENUMS: list[tuple[tuple[str, ...], set[str]]] = [
    (("priority",), PRIORITIES),
    (("type_definition", "logs_threshold", "rules", "*", "condition", "time_window"), TIME_WINDOWS),
    (("type_definition", "logs_threshold", "rules", "*", "condition", "condition_type"), CONDITION_TYPES),
    (("type_definition", "logs_threshold", "rules", "*", "override", "priority"), PRIORITIES),
    (("type_definition", "logs_threshold", "undetected_values_management", "auto_retire_timeframe"), RETIRE),
    (("type_definition", "logs_threshold", "no_data_policy", "state"), NO_DATA),
    (("incidents_settings", "notify_on"), NOTIFY_ON),
    (("notification_group", "webhooks_settings", "*", "notify_on"), NOTIFY_ON),
    (("notification_group", "router", "notify_on"), NOTIFY_ON),
    (("notification_group", "destinations", "*", "notify_on"), NOTIFY_ON),
    (("schedule", "active_on", "days_of_week", "*"), DAYS),
    (("type_definition", "logs_new_value", "rules", "*", "condition", "time_window"), NEW_VALUE_WINDOWS),
    (
        ("type_definition", "logs_unique_count", "rules", "*", "condition", "time_window"),
        UNIQUE_COUNT_WINDOWS,
    ),
    (("type_definition", "flow", "stages", "*", "flow_stages_groups", "*", "alerts_op"), OPS),
    (("type_definition", "flow", "stages", "*", "flow_stages_groups", "*", "next_op"), OPS),
    (("type_definition", "flow", "stages", "*", "timeframe_type"), TIMEFRAME_TYPES),
]
for _kind in ("logs_immediate", "logs_threshold", "logs_new_value", "logs_unique_count"):
    _base = ("type_definition", _kind, "logs_filter", "simple_filter", "label_filters")
    ENUMS += [
        ((*_base, "application_name", "*", "operation"), OPERATIONS),
        ((*_base, "subsystem_name", "*", "operation"), OPERATIONS),
        ((*_base, "severities", "*"), SEVERITIES),
    ]


def _known(value: Any) -> bool:
    # Terraform sends unknown values (possibly with refinements) as msgpack extension types
    return value is not None and value is not Unknown and not isinstance(value, ExtType)


def _at(value: Any, path: tuple[str, ...], trail: list) -> Iterator[tuple[list, Any]]:
    if not path:
        yield trail, value
        return
    if not _known(value):
        return
    head, rest = path[0], path[1:]
    if head == "*":
        for index, item in enumerate(value):
            yield from _at(item, rest, [*trail, (index,)])
    elif isinstance(value, dict):
        yield from _at(value.get(head), rest, [*trail, head])


def alert_problems(config: dict[str, Any]) -> Iterator[tuple[str, list]]:
    for path, allowed in ENUMS:
        for trail, value in _at(config, path, []):
            if _known(value) and value not in allowed:
                yield f"{value!r} is not one of {sorted(allowed)}", trail
    definition = config.get("type_definition")
    if _known(definition):
        chosen = [k for k, v in definition.items() if v is not None]
        if len(chosen) != 1:
            yield f"exactly one alert type must be set in type_definition, got {chosen}", ["type_definition"]
        grouped = _known(config.get("group_by")) and config["group_by"]
        for kind in ("logs_immediate", "logs_new_value"):
            if definition.get(kind) is not None and grouped:
                yield f"group_by is not supported for {kind} alerts", ["group_by"]
    labels = config.get("labels")
    if _known(labels) and len(labels) == 0:
        yield "labels must hold at least one entry; omit the attribute instead", ["labels"]
    for trail, hook in _at(config, ("notification_group", "webhooks_settings", "*"), []):
        if _known(hook) and (hook.get("integration_id") is None) == (hook.get("recipients") is None):
            yield "each webhooks_settings item needs exactly one of integration_id or recipients", trail


class Alert:
    @classmethod
    def get_name(cls) -> str:
        return "alert"

    @classmethod
    def get_schema(cls) -> schema.Schema:
        return ALERT_SCHEMA

    def __init__(self, provider: CoralogixStandIn):
        self.provider = provider

    def validate(self, diags: Diagnostics, type_name: str, config: dict[str, Any]) -> None:
        for message, path in alert_problems(config or {}):
            diags.add_error("Invalid coralogix_alert configuration", message, path=path or None)

    def plan(self, ctx: PlanContext, current: dict | None, planned: dict) -> dict:
        return planned

    def create(self, ctx: CreateContext, planned: dict) -> dict:
        ctx.diagnostics.add_error("stand-in provider", "this provider only validates and plans")
        return planned

    def read(self, ctx: ReadContext, current: dict) -> dict:
        return current

    def update(self, ctx: UpdateContext, current: dict, planned: dict) -> dict:
        return planned

    def delete(self, ctx: DeleteContext, current: dict) -> None:
        return None


class CoralogixStandIn:
    def get_model_prefix(self) -> str:
        return "coralogix_"

    def full_name(self) -> str:
        return "registry.terraform.io/coralogix/coralogix"

    def get_provider_schema(self, diags: Diagnostics) -> schema.Schema:
        return schema.Schema(
            attributes=[
                A("api_key", S, "O"),
                A("env", S, "O"),
                A("domain", S, "O"),
            ]
        )

    def validate_config(self, diags: Diagnostics, config: dict) -> None:
        return None

    def configure_provider(self, diags: Diagnostics, config: dict) -> None:
        return None

    def get_data_sources(self) -> list:
        return []

    def get_resources(self) -> list:
        return [Alert]

    def get_functions(self) -> list:
        return []

    def new_resource(self, klass: type) -> Any:
        return klass(self)

    def new_data_source(self, klass: type) -> Any:
        return klass(self)

    def new_function(self, klass: type) -> Any:
        return klass()


def main() -> None:
    runner.run_provider(CoralogixStandIn(), sys.argv)


if __name__ == "__main__":
    main()
