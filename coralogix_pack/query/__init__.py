"""Asking the account's own logs: DataPrime queries for `pack doctor` and `pack preview`."""
