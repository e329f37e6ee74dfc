"""Installed as ``sigma.pipelines.coralogix`` (pySigma finds pipelines in that namespace)."""

from coralogix_pack.sigma.pipeline import NAME, coralogix_azure_activity

pipelines = {NAME: coralogix_azure_activity}
