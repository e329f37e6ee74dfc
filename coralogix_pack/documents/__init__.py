"""The input layer: YAML documents with line numbers and their JSON Schema checks."""
