"""Sigma in and out: a pySigma backend and processing pipeline that write the pack's Coralogix
Lucene, the import of Sigma rules into the catalog, and the export of the catalog as Sigma rules.

Needs pySigma (``pip install 'coralogix-pack[sigma]'``). The wheel also installs the backend and
pipeline under pySigma's plugin namespaces, so ``sigma convert -t coralogix -p
coralogix_azure_activity`` uses this same code.
"""
