"""The modules a wheel installs under pySigma's plugin namespaces (see pyproject.toml)."""
