output "alert_ids" {
  description = "Coralogix alert definition ids by detection id."
  value = {
    "bulk-disk-deletion"       = coralogix_alert.bulk_disk_deletion.id
    "bulk-vm-deletion"         = coralogix_alert.bulk_vm_deletion.id
    "disk-deleted"             = coralogix_alert.disk_deleted.id
    "locked-vm-delete-attempt" = coralogix_alert.locked_vm_delete_attempt.id
    "public-ip-associated"     = coralogix_alert.public_ip_associated.id
    "resource-deallocated"     = coralogix_alert.resource_deallocated.id
    "resource-deleted"         = coralogix_alert.resource_deleted.id
    "vm-backup-deleted"        = coralogix_alert.vm_backup_deleted.id
    "vm-deleted"               = coralogix_alert.vm_deleted.id
    "vm-password-reset"        = coralogix_alert.vm_password_reset.id
    "vm-reimaged"              = coralogix_alert.vm_reimaged.id
    "vm-turned-off"            = coralogix_alert.vm_turned_off.id
    "vmss-extension-changed"   = coralogix_alert.vmss_extension_changed.id
  }
}

output "alert_names" {
  description = "Alert names by detection id."
  value = {
    "bulk-disk-deletion"       = coralogix_alert.bulk_disk_deletion.name
    "bulk-vm-deletion"         = coralogix_alert.bulk_vm_deletion.name
    "disk-deleted"             = coralogix_alert.disk_deleted.name
    "locked-vm-delete-attempt" = coralogix_alert.locked_vm_delete_attempt.name
    "public-ip-associated"     = coralogix_alert.public_ip_associated.name
    "resource-deallocated"     = coralogix_alert.resource_deallocated.name
    "resource-deleted"         = coralogix_alert.resource_deleted.name
    "vm-backup-deleted"        = coralogix_alert.vm_backup_deleted.name
    "vm-deleted"               = coralogix_alert.vm_deleted.name
    "vm-password-reset"        = coralogix_alert.vm_password_reset.name
    "vm-reimaged"              = coralogix_alert.vm_reimaged.name
    "vm-turned-off"            = coralogix_alert.vm_turned_off.name
    "vmss-extension-changed"   = coralogix_alert.vmss_extension_changed.name
  }
}
