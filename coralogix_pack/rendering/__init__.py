"""Render stage: validated catalog + values -> alert JSON, Lucene files, Terraform module."""
