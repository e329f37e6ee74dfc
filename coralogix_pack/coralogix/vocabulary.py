"""The pack's short enum values mapped to the API's and the Terraform provider's spellings."""

from __future__ import annotations

API_PRIORITY = {
    "P1": "ALERT_DEF_PRIORITY_P1",
    "P2": "ALERT_DEF_PRIORITY_P2",
    "P3": "ALERT_DEF_PRIORITY_P3",
    "P4": "ALERT_DEF_PRIORITY_P4",
    "P5": "ALERT_DEF_PRIORITY_P5_OR_UNSPECIFIED",
}
API_TYPE = {
    "immediate": "ALERT_DEF_TYPE_LOGS_IMMEDIATE_OR_UNSPECIFIED",
    "threshold": "ALERT_DEF_TYPE_LOGS_THRESHOLD",
}
API_WINDOW = {
    "5m": "LOGS_TIME_WINDOW_VALUE_MINUTES_5_OR_UNSPECIFIED",
    "10m": "LOGS_TIME_WINDOW_VALUE_MINUTES_10",
    "15m": "LOGS_TIME_WINDOW_VALUE_MINUTES_15",
    "20m": "LOGS_TIME_WINDOW_VALUE_MINUTES_20",
    "30m": "LOGS_TIME_WINDOW_VALUE_MINUTES_30",
    "1h": "LOGS_TIME_WINDOW_VALUE_HOUR_1",
    "2h": "LOGS_TIME_WINDOW_VALUE_HOURS_2",
    "4h": "LOGS_TIME_WINDOW_VALUE_HOURS_4",
    "6h": "LOGS_TIME_WINDOW_VALUE_HOURS_6",
    "12h": "LOGS_TIME_WINDOW_VALUE_HOURS_12",
    "24h": "LOGS_TIME_WINDOW_VALUE_HOURS_24",
    "36h": "LOGS_TIME_WINDOW_VALUE_HOURS_36",
}
TF_WINDOW = {
    "5m": "5_MINUTES",
    "10m": "10_MINUTES",
    "15m": "15_MINUTES",
    "20m": "20_MINUTES",
    "30m": "30_MINUTES",
    "1h": "1_HOUR",
    "2h": "2_HOURS",
    "4h": "4_HOURS",
    "6h": "6_HOURS",
    "12h": "12_HOURS",
    "24h": "24_HOURS",
    "36h": "36_HOURS",
}
API_SEVERITY = {
    "Verbose": "LOG_SEVERITY_VERBOSE_UNSPECIFIED",
    "Debug": "LOG_SEVERITY_DEBUG",
    "Info": "LOG_SEVERITY_INFO",
    "Warning": "LOG_SEVERITY_WARNING",
    "Error": "LOG_SEVERITY_ERROR",
    "Critical": "LOG_SEVERITY_CRITICAL",
}
TF_SEVERITY = {
    "Verbose": "Unspecified",
    "Debug": "Debug",
    "Info": "Info",
    "Warning": "Warning",
    "Error": "Error",
    "Critical": "Critical",
}
API_LABEL_OPERATION = {
    "IS": "LOG_FILTER_OPERATION_TYPE_IS_OR_UNSPECIFIED",
    "INCLUDES": "LOG_FILTER_OPERATION_TYPE_INCLUDES",
    "STARTS_WITH": "LOG_FILTER_OPERATION_TYPE_STARTS_WITH",
    "ENDS_WITH": "LOG_FILTER_OPERATION_TYPE_ENDS_WITH",
}
API_NOTIFY_ON = {
    "triggered_only": "NOTIFY_ON_TRIGGERED_ONLY_UNSPECIFIED",
    "triggered_and_resolved": "NOTIFY_ON_TRIGGERED_AND_RESOLVED",
}
TF_NOTIFY_ON = {
    "triggered_only": "Triggered Only",
    "triggered_and_resolved": "Triggered and Resolved",
}
API_CONDITION_MORE_THAN = "LOGS_THRESHOLD_CONDITION_TYPE_MORE_THAN_OR_UNSPECIFIED"
