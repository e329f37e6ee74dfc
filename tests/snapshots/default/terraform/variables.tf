# Inputs of the azure-vm-security module. They mirror the keys of a coralogix-pack
# values file, so `pack render --values FILE` can write a matching
# terraform.tfvars.json.

variable "name_prefix" {
  description = "Text put in front of every alert name, e.g. \"[SEC] \"."
  type        = string
  default     = ""
}

variable "detections" {
  description = "Per-detection overrides keyed by detection id: enabled, priority (P1-P5), threshold { count, window }."
  type = map(object({
    enabled  = optional(bool)
    priority = optional(string)
    threshold = optional(object({
      count  = optional(number)
      window = optional(string)
    }))
  }))
  default = {}

  validation {
    condition     = alltrue([for id in keys(var.detections) : contains(["bulk-disk-deletion", "bulk-vm-deletion", "disk-deleted", "locked-vm-delete-attempt", "public-ip-associated", "resource-deallocated", "resource-deleted", "vm-backup-deleted", "vm-deleted", "vm-password-reset", "vm-reimaged", "vm-turned-off", "vmss-extension-changed"], id)])
    error_message = "Unknown detection id in var.detections; known ids: bulk-disk-deletion, bulk-vm-deletion, disk-deleted, locked-vm-delete-attempt, public-ip-associated, resource-deallocated, resource-deleted, vm-backup-deleted, vm-deleted, vm-password-reset, vm-reimaged, vm-turned-off, vmss-extension-changed."
  }
  validation {
    condition     = alltrue([for d in values(var.detections) : d.priority == null || contains(["P1", "P2", "P3", "P4", "P5"], coalesce(d.priority, "P5"))])
    error_message = "Priority must be one of P1, P2, P3, P4, P5."
  }
  validation {
    condition     = alltrue([for d in values(var.detections) : try(d.threshold.window, null) == null || contains(["5m", "10m", "15m", "20m", "30m", "1h", "2h", "4h", "6h", "12h", "24h", "36h"], try(d.threshold.window, ""))])
    error_message = "Threshold window must be one of 5m, 10m, 15m, 20m, 30m, 1h, 2h, 4h, 6h, 12h, 24h, 36h."
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
  description = "Webhooks notified by every alert: integration_id (outgoing webhook id) or recipients (e-mails), optional notify_on and retrigger_minutes."
  type = object({
    webhooks = optional(list(object({
      integration_id    = optional(number)
      recipients        = optional(list(string))
      notify_on         = optional(string)
      retrigger_minutes = optional(number)
    })), [])
  })
  default = {}

  validation {
    condition     = alltrue([for w in var.notifications.webhooks : (w.integration_id == null) != (w.recipients == null)])
    error_message = "Each webhook needs exactly one of integration_id or recipients."
  }
  validation {
    condition     = alltrue([for w in var.notifications.webhooks : w.notify_on == null || contains(["triggered_only", "triggered_and_resolved"], coalesce(w.notify_on, "triggered_only"))])
    error_message = "notify_on must be triggered_only or triggered_and_resolved."
  }
}

variable "incidents" {
  description = "Incident settings for every alert: notify_on (triggered_only or triggered_and_resolved) and retrigger_minutes."
  type = object({
    notify_on         = optional(string, "triggered_only")
    retrigger_minutes = optional(number, 10)
  })
  default = null

  validation {
    condition     = var.incidents == null || contains(["triggered_only", "triggered_and_resolved"], try(var.incidents.notify_on, ""))
    error_message = "incidents.notify_on must be triggered_only or triggered_and_resolved."
  }
}
