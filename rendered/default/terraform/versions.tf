terraform {
  required_version = ">= 1.3.0"

  required_providers {
    # 3.2.0: webhooks may omit notify_on; 3.6.0+ warns once per threshold alert about the
    # alert-level priority, which this module sets so Terraform and `pack apply` agree.
    coralogix = {
      source  = "coralogix/coralogix"
      version = ">= 3.2.0, < 4.0.0"
    }
  }
}
