"""coralogix-pack: detections as code for Coralogix."""

__version__ = "0.1.0"
