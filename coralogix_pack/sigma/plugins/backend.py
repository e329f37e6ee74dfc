"""Installed as ``sigma.backends.coralogix`` (pySigma finds backends in that namespace)."""

from coralogix_pack.sigma.backend import CoralogixBackend

backends = {"coralogix": CoralogixBackend}
