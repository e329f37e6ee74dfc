"""Lucene: parsing, Coralogix-specific lint, field-prefix rewriting, evaluation."""
