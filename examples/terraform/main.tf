# Root module that deploys the rendered pack with Terraform.
#
#   pack render --values ../values.production.yaml --out ../../out
#   export CORALOGIX_API_KEY=...   # Alerts preset: alerts:ReadConfig + alerts:UpdateConfig
#   export CORALOGIX_ENV=EU1       # or CORALOGIX_DOMAIN for a custom domain
#   terraform init && terraform plan
#
# The provider block is empty on purpose: the provider reads its settings from
# the environment variables above, so no secret ever sits in this file.

terraform {
  required_version = ">= 1.3.0"

  required_providers {
    coralogix = {
      source  = "coralogix/coralogix"
      version = ">= 3.2.0, < 4.0.0"
    }
  }
}

provider "coralogix" {}

# The inputs are exactly those of ../values.production.yaml (tests/test_examples.py checks it),
# so this root and `pack apply --values examples/values.production.yaml` create the same alerts.
module "azure_vm_security" {
  source = "../../out/terraform"

  name_prefix = "[SEC][Azure] "
  labels      = { team = "secops", environment = "production" }

  label_filters = {
    application_name = [{ value = "azure", operation = "STARTS_WITH" }]
    subsystem_name   = [{ value = "activity-log", operation = "INCLUDES" }]
  }

  evaluation_delay = "10m"
  payload_fields = [
    "identity.claims.name",
    "identity.authorization.evidence.principalId",
    "resourceId",
    "callerIpAddress",
    "correlationId",
  ]

  notifications = {
    destinations = [{ connector_id = "slack-sec-alerts" }]
    by_priority = {
      P1 = {
        destinations = [{
          connector_id      = "pagerduty-security"
          preset_id         = "pagerduty-default"
          notify_on         = "triggered_and_resolved"
          retrigger_minutes = 60
        }]
      }
    }
    webhooks = [{ recipients = ["secops@example.com"] }]
  }

  incidents = { notify_on = "triggered_and_resolved", retrigger_minutes = 30 }

  detections = {
    "resource-deleted"   = { enabled = false }
    "disk-deleted"       = { priority = "P5" }
    "bulk-disk-deletion" = { threshold = { count = 15, window = "20m" } }
    "vm-backup-deleted"  = { priority = "P1" }
  }
}

output "alert_ids" {
  value = module.azure_vm_security.alert_ids
}
