"""Catalog stage: YAML files -> validated Detection models."""
