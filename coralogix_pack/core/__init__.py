"""Foundations every layer uses: errors and diagnostics, files and output folders, redaction,
resources, network guards, time."""
