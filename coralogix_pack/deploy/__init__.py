"""Deploy stage: Coralogix client, plan (diff against the account), apply, export, and a local emulator."""
