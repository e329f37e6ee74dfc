# Inputs of the azure-vm-security module. They mirror the keys of a coralogix-pack
# values file, so `pack render --values FILE` can write a matching
# terraform.tfvars.json.

variable "name_prefix" {
  description = "Text put in front of every alert name, e.g. \"[SEC] \"."
  type        = string
  default     = ""

  validation {
    condition     = length(var.name_prefix) <= 449
    error_message = "name_prefix may have at most 449 characters: Coralogix allows 512 per alert name and the longest title has 63."
  }
}

variable "field_prefix" {
  description = "Key under which the shipper nests each Activity Log record (e.g. \"body\"); empty when operationName is at the top of the log. pack doctor finds it."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^([A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*)?$", var.field_prefix))
    error_message = "field_prefix is dotted field names, e.g. body or logRecord.body."
  }
}

variable "detections" {
  description = "Per-detection overrides keyed by detection id: enabled, priority (P1-P5), threshold { count, window }, phantom, exceptions, notifications { webhooks }, incidents, group_by."
  type = map(object({
    enabled  = optional(bool)
    priority = optional(string)
    threshold = optional(object({
      count  = optional(number)
      window = optional(string)
    }))
    phantom = optional(bool)
    exceptions = optional(list(object({
      match = optional(object({
        field  = string
        values = list(string)
      }))
      lucene  = optional(string)
      reason  = string
      owner   = string
      expires = optional(string)
    })), [])
    notifications = optional(object({
      webhooks = optional(list(object({
        integration_id    = optional(number)
        recipients        = optional(list(string))
        notify_on         = optional(string)
        retrigger_minutes = optional(number)
      })), [])
      destinations = optional(list(object({
        connector_id      = string
        preset_id         = optional(string)
        notify_on         = optional(string)
        retrigger_minutes = optional(number)
      })), [])
    }), {})
    incidents = optional(object({
      notify_on         = optional(string)
      retrigger_minutes = optional(number)
    }))
    group_by         = optional(list(string), [])
    evaluation_delay = optional(string)
    schedule = optional(object({
      days   = optional(list(string))
      start  = optional(string)
      end    = optional(string)
      always = optional(bool)
    }))
    payload_fields = optional(list(string))
    data_source = optional(object({
      data_space = string
      data_set   = string
    }))
  }))
  default = {}

  validation {
    condition     = alltrue([for id in keys(var.detections) : contains(["bulk-disk-deletion", "bulk-vm-deletion", "disk-deleted", "locked-vm-delete-attempt", "public-ip-associated", "resource-deallocated", "resource-deleted", "vm-backup-deleted", "vm-deleted", "vm-password-reset", "vm-reimaged", "vm-turned-off", "vmss-extension-changed"], id)])
    error_message = "Unknown detection id in var.detections; known ids: bulk-disk-deletion, bulk-vm-deletion, disk-deleted, locked-vm-delete-attempt, public-ip-associated, resource-deallocated, resource-deleted, vm-backup-deleted, vm-deleted, vm-password-reset, vm-reimaged, vm-turned-off, vmss-extension-changed."
  }
  # Conditions use coalesce, never `x == null || f(x)`: before Terraform 1.12 both sides of || are
  # evaluated, and f(null) stops the plan.
  validation {
    condition     = alltrue([for d in values(var.detections) : contains(["P1", "P2", "P3", "P4", "P5"], coalesce(d.priority, "P5"))])
    error_message = "Priority must be one of P1, P2, P3, P4, P5."
  }
  validation {
    condition     = alltrue([for d in values(var.detections) : contains(["5m", "10m", "15m", "20m", "30m", "1h", "2h", "4h", "6h", "12h", "24h", "36h"], coalesce(try(d.threshold.window, null), "5m"))])
    error_message = "Threshold window must be one of 5m, 10m, 15m, 20m, 30m, 1h, 2h, 4h, 6h, 12h, 24h, 36h."
  }
  validation {
    condition     = alltrue([for d in values(var.detections) : can(regex("^([0-9]{1,5}[smh]|0)$", coalesce(d.evaluation_delay, "0")))])
    error_message = "A detection's evaluation_delay is a duration such as 90s, 10m or 2h, or 0."
  }
  validation {
    condition     = alltrue(flatten([for d in values(var.detections) : [for x in try(d.notifications.destinations, []) : contains(["triggered_only", "triggered_and_resolved"], coalesce(x.notify_on, "triggered_only"))]]))
    error_message = "A destination's notify_on must be triggered_only or triggered_and_resolved."
  }
  validation {
    condition     = alltrue([for d in values(var.detections) : floor(coalesce(try(d.threshold.count, null), 0)) == coalesce(try(d.threshold.count, null), 0) && coalesce(try(d.threshold.count, null), 0) >= 0 && coalesce(try(d.threshold.count, null), 0) <= 1000000])
    error_message = "Threshold count must be a whole number from 0 to 1000000."
  }
}

variable "phantom" {
  description = "Canary mode for every alert: deployed in Coralogix phantom mode (evaluated, never notifies)."
  type        = bool
  default     = false
}

variable "exceptions" {
  description = "Exceptions for every detection: match { field, values } or a lucene fragment, with reason, owner and an optional expires date. Rendered as AND NOT (...) on each query."
  type = list(object({
    match = optional(object({
      field  = string
      values = list(string)
    }))
    lucene  = optional(string)
    reason  = string
    owner   = string
    expires = optional(string)
  }))
  default = []

  validation {
    condition     = alltrue([for e in var.exceptions : (e.match == null) != (e.lucene == null)])
    error_message = "Each exception needs exactly one of match or lucene."
  }
}

variable "labels" {
  description = "Extra entity labels added to every alert."
  type        = map(string)
  default     = {}

  validation {
    condition     = length(setintersection(keys(var.labels), ["managed_by", "pack", "pack_content_hash", "pack_detection", "pack_version"])) == 0
    error_message = "Labels managed_by, pack, pack_content_hash, pack_detection, pack_version are reserved for ownership tracking."
  }
}

variable "label_filters" {
  description = "Application, subsystem and severity filters applied to every alert."
  type = object({
    application_name = optional(list(object({
      value     = string
      operation = optional(string, "IS")
    })), [])
    subsystem_name = optional(list(object({
      value     = string
      operation = optional(string, "IS")
    })), [])
    severities = optional(list(string), [])
  })
  default = {}

  validation {
    condition     = alltrue([for f in concat(var.label_filters.application_name, var.label_filters.subsystem_name) : contains(["IS", "INCLUDES", "STARTS_WITH", "ENDS_WITH"], f.operation)])
    error_message = "Label filter operation must be one of IS, INCLUDES, STARTS_WITH, ENDS_WITH."
  }
  validation {
    condition     = alltrue([for s in var.label_filters.severities : contains(["Debug", "Verbose", "Info", "Warning", "Error", "Critical"], s)])
    error_message = "Severities must be among Debug, Verbose, Info, Warning, Error, Critical."
  }
}

variable "notifications" {
  description = "Webhooks notified by every alert (integration_id or recipients, optional notify_on and retrigger_minutes), and by_priority: extra webhooks for the alerts of a priority."
  type = object({
    webhooks = optional(list(object({
      integration_id    = optional(number)
      recipients        = optional(list(string))
      notify_on         = optional(string)
      retrigger_minutes = optional(number)
    })), [])
    by_priority = optional(map(object({
      webhooks = optional(list(object({
        integration_id    = optional(number)
        recipients        = optional(list(string))
        notify_on         = optional(string)
        retrigger_minutes = optional(number)
      })), [])
      destinations = optional(list(object({
        connector_id      = string
        preset_id         = optional(string)
        notify_on         = optional(string)
        retrigger_minutes = optional(number)
      })), [])
    })), {})
    destinations = optional(list(object({
      connector_id      = string
      preset_id         = optional(string)
      notify_on         = optional(string)
      retrigger_minutes = optional(number)
    })), [])
    router = optional(object({
      notify_on = optional(string)
    }))
  })
  default = {}

  validation {
    condition     = alltrue([for w in var.notifications.webhooks : (w.integration_id == null) != (w.recipients == null)])
    error_message = "Each webhook needs exactly one of integration_id or recipients."
  }
  validation {
    condition     = alltrue([for w in var.notifications.webhooks : contains(["triggered_only", "triggered_and_resolved"], coalesce(w.notify_on, "triggered_only"))])
    error_message = "notify_on must be triggered_only or triggered_and_resolved."
  }
  validation {
    condition     = alltrue([for w in var.notifications.webhooks : floor(coalesce(w.integration_id, 1)) == coalesce(w.integration_id, 1) && coalesce(w.integration_id, 1) >= 1 && coalesce(w.integration_id, 1) <= 4294967295])
    error_message = "integration_id must be a whole number from 1 to 4294967295 (the outgoing webhook's id)."
  }
  validation {
    condition     = alltrue([for w in var.notifications.webhooks : floor(coalesce(w.retrigger_minutes, 10)) == coalesce(w.retrigger_minutes, 10) && coalesce(w.retrigger_minutes, 10) >= 1 && coalesce(w.retrigger_minutes, 10) <= 10080])
    error_message = "retrigger_minutes must be a whole number from 1 to 10080 (one week)."
  }
}

variable "incidents" {
  description = "Incident settings for every alert: notify_on (triggered_only or triggered_and_resolved) and retrigger_minutes. Default: triggered_only every 10 minutes."
  type = object({
    notify_on         = optional(string, "triggered_only")
    retrigger_minutes = optional(number, 10)
  })
  default = null

  validation {
    condition     = contains(["triggered_only", "triggered_and_resolved"], coalesce(try(var.incidents.notify_on, null), "triggered_only"))
    error_message = "incidents.notify_on must be triggered_only or triggered_and_resolved."
  }
  validation {
    condition     = floor(coalesce(try(var.incidents.retrigger_minutes, null), 10)) == coalesce(try(var.incidents.retrigger_minutes, null), 10) && coalesce(try(var.incidents.retrigger_minutes, null), 10) >= 1 && coalesce(try(var.incidents.retrigger_minutes, null), 10) <= 10080
    error_message = "incidents.retrigger_minutes must be a whole number from 1 to 10080 (one week)."
  }
}

variable "evaluation_delay" {
  description = "How long threshold alerts wait before evaluating a window (e.g. 10m; at most 3h): Activity Log records arrive minutes late."
  type        = string
  default     = "10m"

  validation {
    condition     = can(regex("^([0-9]{1,5}[smh]|0)$", var.evaluation_delay))
    error_message = "evaluation_delay is a duration such as 90s, 10m or 2h, or 0."
  }
  validation {
    condition     = var.evaluation_delay == "0" ? true : try(tonumber(regex("^[0-9]+", var.evaluation_delay)) * lookup({ s = 1000, m = 60000, h = 3600000 }, regex("[smh]$", var.evaluation_delay), 0) <= 10800000, true)
    error_message = "evaluation_delay may be at most 3h (the API's limit)."
  }
}

variable "schedule" {
  description = "When every alert is active, in UTC: days (Monday..Sunday), start and end (HH:MM); null for always."
  type = object({
    days  = list(string)
    start = string
    end   = string
  })
  default = null

  validation {
    condition     = var.schedule == null ? true : alltrue([for d in var.schedule.days : contains(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"], d)]) && can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]$", var.schedule.start)) && can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]$", var.schedule.end))
    error_message = "schedule.days are Monday..Sunday; start and end are HH:MM (UTC)."
  }
}

variable "payload_fields" {
  description = "Record fields every notification carries, without the field prefix (e.g. resourceId)."
  type        = list(string)
  default     = []
}

variable "data_source" {
  description = "The data set the alerts read ({ data_space, data_set }), when Activity Logs go to one other than the default."
  type = object({
    data_space = string
    data_set   = string
  })
  default = null
}
