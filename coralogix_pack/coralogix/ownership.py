"""Entity labels that mark an alert as managed by coralogix-pack.

``pack apply`` only ever touches alerts that carry MANAGED_BY_VALUE under
MANAGED_BY_LABEL for the same pack; alerts deployed through the Terraform
module carry TERRAFORM_MANAGED_BY_VALUE instead so the two paths never fight
over one alert.
"""

from __future__ import annotations

MANAGED_BY_LABEL = "managed_by"
MANAGED_BY_VALUE = "coralogix-pack"
TERRAFORM_MANAGED_BY_VALUE = "coralogix-pack-terraform"
PACK_LABEL = "pack"
DETECTION_LABEL = "pack_detection"
VERSION_LABEL = "pack_version"
HASH_LABEL = "pack_content_hash"
RESERVED_LABELS = frozenset({MANAGED_BY_LABEL, PACK_LABEL, DETECTION_LABEL, VERSION_LABEL, HASH_LABEL})


def ownership_labels(
    pack: str, detection_id: str, version: str, managed_by: str = MANAGED_BY_VALUE
) -> dict[str, str]:
    return {
        MANAGED_BY_LABEL: managed_by,
        PACK_LABEL: pack,
        DETECTION_LABEL: detection_id,
        VERSION_LABEL: version,
    }
