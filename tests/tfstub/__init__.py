"""A test-only stand-in of the coralogix/coralogix Terraform provider (see coralogix_provider.py)."""
