"""Deployment values: the typed model, how files merge, exceptions and their expiry, named environments."""
