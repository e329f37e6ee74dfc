"""Command-line interface. Thin: each command parses options and calls ``coralogix_pack.library``;
errors become messages and exit codes in one place (``app.run``)."""

from coralogix_pack.cli.runner import app, main, run

__all__ = ["app", "main", "run"]
