# azure-vm-security 1.0.0: 13 Coralogix alerts rendered by coralogix-pack.
# Generated file; edit the catalog and run `pack render` instead.

locals {
  # Catalog content. Each query names its fields after var.field_prefix, so a shipper that
  # nests records (e.g. under "body") is served by this module as it is.
  field_prefix = var.field_prefix == "" ? "" : "${var.field_prefix}."

  catalog = {
    "bulk-disk-deletion" = {
      title    = "More than 10 Azure managed disks deleted within 20 minutes"
      priority = "P1"
      query    = "${local.field_prefix}operationName:(\"MICROSOFT.COMPUTE/DISKS/DELETE\" OR \"Microsoft.Compute/disks/delete\" OR \"microsoft.compute/disks/delete\") AND ${local.field_prefix}resultType:(Success OR Succeeded)"
      threshold = {
        count  = 10
        window = "20m"
      }
    }
    "bulk-vm-deletion" = {
      title    = "More than 10 Azure VMs deleted within 20 minutes"
      priority = "P1"
      query    = "${local.field_prefix}operationName:(\"MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE\" OR \"Microsoft.Compute/virtualMachines/delete\" OR \"microsoft.compute/virtualmachines/delete\") AND ${local.field_prefix}resultType:(Success OR Succeeded)"
      threshold = {
        count  = 10
        window = "20m"
      }
    }
    "disk-deleted" = {
      title    = "Azure managed disk deleted"
      priority = "P4"
      query    = "${local.field_prefix}operationName:(\"MICROSOFT.COMPUTE/DISKS/DELETE\" OR \"Microsoft.Compute/disks/delete\" OR \"microsoft.compute/disks/delete\") AND ${local.field_prefix}resultType:(Success OR Succeeded)"
    }
    "locked-vm-delete-attempt" = {
      title    = "Attempt to delete a locked Azure VM"
      priority = "P2"
      query    = "${local.field_prefix}operationName:(\"MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE\" OR \"Microsoft.Compute/virtualMachines/delete\" OR \"microsoft.compute/virtualmachines/delete\") AND ${local.field_prefix}resultType:(Failure OR Failed) AND (${local.field_prefix}properties.statusMessage:ScopeLocked OR ${local.field_prefix}properties.responseBody:ScopeLocked OR ${local.field_prefix}properties.statusMessage.error.code:ScopeLocked OR ${local.field_prefix}properties.responseBody.error.code:ScopeLocked)"
    }
    "public-ip-associated" = {
      title    = "Public IP address associated with an Azure VM network interface"
      priority = "P2"
      query    = "${local.field_prefix}operationName:(\"MICROSOFT.NETWORK/NETWORKINTERFACES/WRITE\" OR \"Microsoft.Network/networkInterfaces/write\" OR \"microsoft.network/networkinterfaces/write\") AND ${local.field_prefix}resultType:(Success OR Succeeded) AND ${local.field_prefix}properties.responseBody:publicIPAddress"
    }
    "resource-deallocated" = {
      title    = "Azure VM or scale set deallocated"
      priority = "P4"
      query    = "${local.field_prefix}operationName:(\"MICROSOFT.COMPUTE/VIRTUALMACHINES/DEALLOCATE/ACTION\" OR \"Microsoft.Compute/virtualMachines/deallocate/action\" OR \"microsoft.compute/virtualmachines/deallocate/action\" OR \"MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/DEALLOCATE/ACTION\" OR \"Microsoft.Compute/virtualMachineScaleSets/deallocate/action\" OR \"microsoft.compute/virtualmachinescalesets/deallocate/action\" OR \"MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/VIRTUALMACHINES/DEALLOCATE/ACTION\" OR \"Microsoft.Compute/virtualMachineScaleSets/virtualMachines/deallocate/action\" OR \"microsoft.compute/virtualmachinescalesets/virtualmachines/deallocate/action\") AND ${local.field_prefix}resultType:(Success OR Succeeded)"
    }
    "resource-deleted" = {
      title    = "Azure resource deleted"
      priority = "P5"
      query    = "${local.field_prefix}operationName:(DELETE OR delete OR Delete) AND NOT ${local.field_prefix}operationName:(ACTION OR action OR Action OR WRITE OR write OR Write OR READ OR read OR Read) AND NOT ${local.field_prefix}operationName:(\"MICROSOFT.RESOURCES/DEPLOYMENTS/DELETE\" OR \"Microsoft.Resources/deployments/delete\" OR \"microsoft.resources/deployments/delete\") AND ${local.field_prefix}resultType:(Success OR Succeeded)"
    }
    "vm-backup-deleted" = {
      title    = "Azure VM backup data deleted"
      priority = "P1"
      query    = "${local.field_prefix}operationName:(\"MICROSOFT.RECOVERYSERVICES/VAULTS/BACKUPFABRICS/PROTECTIONCONTAINERS/PROTECTEDITEMS/DELETE\" OR \"Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems/delete\" OR \"microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems/delete\" OR \"Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/delete\" OR \"MICROSOFT.COMPUTE/RESTOREPOINTCOLLECTIONS/DELETE\" OR \"Microsoft.Compute/restorePointCollections/delete\" OR \"microsoft.compute/restorepointcollections/delete\" OR \"MICROSOFT.COMPUTE/RESTOREPOINTCOLLECTIONS/RESTOREPOINTS/DELETE\" OR \"Microsoft.Compute/restorePointCollections/restorePoints/delete\" OR \"microsoft.compute/restorepointcollections/restorepoints/delete\") AND ${local.field_prefix}resultType:(Success OR Succeeded)"
    }
    "vm-deleted" = {
      title    = "Azure VM deleted"
      priority = "P3"
      query    = "${local.field_prefix}operationName:(\"MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE\" OR \"Microsoft.Compute/virtualMachines/delete\" OR \"microsoft.compute/virtualmachines/delete\") AND ${local.field_prefix}resultType:(Success OR Succeeded)"
    }
    "vm-password-reset" = {
      title    = "Azure VM password reset through the VMAccess extension"
      priority = "P2"
      query    = "${local.field_prefix}operationName:(\"MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE\" OR \"Microsoft.Compute/virtualMachines/extensions/write\" OR \"microsoft.compute/virtualmachines/extensions/write\") AND ${local.field_prefix}resultType:(Success OR Succeeded) AND (${local.field_prefix}properties.responseBody:(VMAccessAgent OR VMAccessForLinux) OR ${local.field_prefix}properties.responseBody.properties.type:(VMAccessAgent OR VMAccessForLinux) OR ${local.field_prefix}resourceId:(ENABLEVMACCESS OR enablevmaccess OR VMACCESSAGENT OR VMAccessAgent OR VMACCESSFORLINUX OR VMAccessForLinux))"
    }
    "vm-reimaged" = {
      title    = "Azure VM or scale-set instance re-imaged"
      priority = "P3"
      query    = "${local.field_prefix}operationName:(\"MICROSOFT.COMPUTE/VIRTUALMACHINES/REIMAGE/ACTION\" OR \"Microsoft.Compute/virtualMachines/reimage/action\" OR \"microsoft.compute/virtualmachines/reimage/action\" OR \"MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/REIMAGE/ACTION\" OR \"Microsoft.Compute/virtualMachineScaleSets/reimage/action\" OR \"microsoft.compute/virtualmachinescalesets/reimage/action\" OR \"MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/REIMAGEALL/ACTION\" OR \"Microsoft.Compute/virtualMachineScaleSets/reimageAll/action\" OR \"microsoft.compute/virtualmachinescalesets/reimageall/action\" OR \"MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/VIRTUALMACHINES/REIMAGE/ACTION\" OR \"Microsoft.Compute/virtualMachineScaleSets/virtualMachines/reimage/action\" OR \"microsoft.compute/virtualmachinescalesets/virtualmachines/reimage/action\" OR \"MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/VIRTUALMACHINES/REIMAGEALL/ACTION\" OR \"Microsoft.Compute/virtualMachineScaleSets/virtualMachines/reimageAll/action\" OR \"microsoft.compute/virtualmachinescalesets/virtualmachines/reimageall/action\") AND ${local.field_prefix}resultType:(Success OR Succeeded)"
    }
    "vm-turned-off" = {
      title    = "Azure VM or scale set powered off"
      priority = "P4"
      query    = "${local.field_prefix}operationName:(\"MICROSOFT.COMPUTE/VIRTUALMACHINES/POWEROFF/ACTION\" OR \"Microsoft.Compute/virtualMachines/powerOff/action\" OR \"microsoft.compute/virtualmachines/poweroff/action\" OR \"MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/POWEROFF/ACTION\" OR \"Microsoft.Compute/virtualMachineScaleSets/powerOff/action\" OR \"microsoft.compute/virtualmachinescalesets/poweroff/action\" OR \"MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/VIRTUALMACHINES/POWEROFF/ACTION\" OR \"Microsoft.Compute/virtualMachineScaleSets/virtualMachines/powerOff/action\" OR \"microsoft.compute/virtualmachinescalesets/virtualmachines/poweroff/action\") AND ${local.field_prefix}resultType:(Success OR Succeeded)"
    }
    "vmss-extension-changed" = {
      title    = "Azure VM scale set extension changed"
      priority = "P3"
      query    = "${local.field_prefix}operationName:(\"MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/EXTENSIONS/WRITE\" OR \"Microsoft.Compute/virtualMachineScaleSets/extensions/write\" OR \"microsoft.compute/virtualmachinescalesets/extensions/write\" OR \"MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/EXTENSIONS/DELETE\" OR \"Microsoft.Compute/virtualMachineScaleSets/extensions/delete\" OR \"microsoft.compute/virtualmachinescalesets/extensions/delete\" OR \"MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/VIRTUALMACHINES/EXTENSIONS/WRITE\" OR \"Microsoft.Compute/virtualMachineScaleSets/virtualMachines/extensions/write\" OR \"microsoft.compute/virtualmachinescalesets/virtualmachines/extensions/write\" OR \"MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/VIRTUALMACHINES/EXTENSIONS/DELETE\" OR \"Microsoft.Compute/virtualMachineScaleSets/virtualMachines/extensions/delete\" OR \"microsoft.compute/virtualmachinescalesets/virtualmachines/extensions/delete\") AND ${local.field_prefix}resultType:(Success OR Succeeded)"
    }
  }

  ownership_labels = {
    "bulk-disk-deletion"       = { managed_by = "coralogix-pack-terraform", pack = "azure-vm-security", pack_detection = "bulk-disk-deletion", pack_version = "1.0.0" }
    "bulk-vm-deletion"         = { managed_by = "coralogix-pack-terraform", pack = "azure-vm-security", pack_detection = "bulk-vm-deletion", pack_version = "1.0.0" }
    "disk-deleted"             = { managed_by = "coralogix-pack-terraform", pack = "azure-vm-security", pack_detection = "disk-deleted", pack_version = "1.0.0" }
    "locked-vm-delete-attempt" = { managed_by = "coralogix-pack-terraform", pack = "azure-vm-security", pack_detection = "locked-vm-delete-attempt", pack_version = "1.0.0" }
    "public-ip-associated"     = { managed_by = "coralogix-pack-terraform", pack = "azure-vm-security", pack_detection = "public-ip-associated", pack_version = "1.0.0" }
    "resource-deallocated"     = { managed_by = "coralogix-pack-terraform", pack = "azure-vm-security", pack_detection = "resource-deallocated", pack_version = "1.0.0" }
    "resource-deleted"         = { managed_by = "coralogix-pack-terraform", pack = "azure-vm-security", pack_detection = "resource-deleted", pack_version = "1.0.0" }
    "vm-backup-deleted"        = { managed_by = "coralogix-pack-terraform", pack = "azure-vm-security", pack_detection = "vm-backup-deleted", pack_version = "1.0.0" }
    "vm-deleted"               = { managed_by = "coralogix-pack-terraform", pack = "azure-vm-security", pack_detection = "vm-deleted", pack_version = "1.0.0" }
    "vm-password-reset"        = { managed_by = "coralogix-pack-terraform", pack = "azure-vm-security", pack_detection = "vm-password-reset", pack_version = "1.0.0" }
    "vm-reimaged"              = { managed_by = "coralogix-pack-terraform", pack = "azure-vm-security", pack_detection = "vm-reimaged", pack_version = "1.0.0" }
    "vm-turned-off"            = { managed_by = "coralogix-pack-terraform", pack = "azure-vm-security", pack_detection = "vm-turned-off", pack_version = "1.0.0" }
    "vmss-extension-changed"   = { managed_by = "coralogix-pack-terraform", pack = "azure-vm-security", pack_detection = "vmss-extension-changed", pack_version = "1.0.0" }
  }

  enabled  = { for id, d in local.catalog : id => coalesce(try(var.detections[id].enabled, null), true) }
  priority = { for id, d in local.catalog : id => coalesce(try(var.detections[id].priority, null), d.priority) }
  threshold = { for id, d in local.catalog : id => {
    count  = coalesce(try(var.detections[id].threshold.count, null), try(d.threshold.count, null), 0)
    window = coalesce(try(var.detections[id].threshold.window, null), try(d.threshold.window, null), "5m")
  } }

  # Titles and descriptions that state a threshold state the one in force.
  window_words = { "5m" = { text = "5 minutes", adjective = "5-minute" }, "10m" = { text = "10 minutes", adjective = "10-minute" }, "15m" = { text = "15 minutes", adjective = "15-minute" }, "20m" = { text = "20 minutes", adjective = "20-minute" }, "30m" = { text = "30 minutes", adjective = "30-minute" }, "1h" = { text = "1 hour", adjective = "1-hour" }, "2h" = { text = "2 hours", adjective = "2-hour" }, "4h" = { text = "4 hours", adjective = "4-hour" }, "6h" = { text = "6 hours", adjective = "6-hour" }, "12h" = { text = "12 hours", adjective = "12-hour" }, "24h" = { text = "24 hours", adjective = "24-hour" }, "36h" = { text = "36 hours", adjective = "36-hour" } }
  title = {
    "bulk-disk-deletion"       = "More than ${local.threshold["bulk-disk-deletion"].count} Azure managed disks deleted within ${local.window_words[local.threshold["bulk-disk-deletion"].window].text}"
    "bulk-vm-deletion"         = "More than ${local.threshold["bulk-vm-deletion"].count} Azure VMs deleted within ${local.window_words[local.threshold["bulk-vm-deletion"].window].text}"
    "disk-deleted"             = "Azure managed disk deleted"
    "locked-vm-delete-attempt" = "Attempt to delete a locked Azure VM"
    "public-ip-associated"     = "Public IP address associated with an Azure VM network interface"
    "resource-deallocated"     = "Azure VM or scale set deallocated"
    "resource-deleted"         = "Azure resource deleted"
    "vm-backup-deleted"        = "Azure VM backup data deleted"
    "vm-deleted"               = "Azure VM deleted"
    "vm-password-reset"        = "Azure VM password reset through the VMAccess extension"
    "vm-reimaged"              = "Azure VM or scale-set instance re-imaged"
    "vm-turned-off"            = "Azure VM or scale set powered off"
    "vmss-extension-changed"   = "Azure VM scale set extension changed"
  }
  description = {
    "bulk-disk-deletion"       = "Fires when more than ${local.threshold["bulk-disk-deletion"].count} deletions of managed disks complete within any ${local.window_words[local.threshold["bulk-disk-deletion"].window].adjective} window.\n\nImpact: Bulk disk deletion destroys data at scale, whether it is an attacker wiping the environment or a runaway script. Either way it can badly harm the organisation.\n\nMitigation: Confirm that the bulk deletion was authorised and intended; if not, stop the identity at once (disable it or revoke its role assignments), restore from backups and snapshots, and investigate.\n\nMITRE ATT&CK v19: TA0040 Impact / T1485 Data Destruction.\nDetection bulk-disk-deletion, pack azure-vm-security 1.0.0."
    "bulk-vm-deletion"         = "Fires when more than ${local.threshold["bulk-vm-deletion"].count} deletions of virtual machines complete within any ${local.window_words[local.threshold["bulk-vm-deletion"].window].adjective} window.\n\nImpact: Bulk VM deletion takes services down at scale, whether it is an attacker destroying infrastructure or an automation error.\n\nMitigation: Confirm that the bulk deletion was authorised and intended; if not, stop the identity at once, restore the machines from backup and investigate.\n\nMITRE ATT&CK v19: TA0112 Defense Impairment / T1578.003 Delete Cloud Instance.\nDetection bulk-vm-deletion, pack azure-vm-security 1.0.0."
    "disk-deleted"             = "Fires when the deletion of a managed disk completes successfully, whether the disk was deleted directly or together with its VM.\n\nImpact: Deleting a disk destroys its data; an attacker can do it to cause harm or to remove evidence.\n\nMitigation: Confirm that the deletion was authorised and intended; if not, restore the disk from a snapshot or backup and investigate the identity.\n\nMITRE ATT&CK v19: TA0040 Impact / T1485 Data Destruction.\nDetection disk-deleted, pack azure-vm-security 1.0.0."
    "locked-vm-delete-attempt" = "Fires when someone tries to delete an Azure virtual machine and Azure Resource Manager refuses because a resource lock (CanNotDelete or ReadOnly) covers the VM. The request fails with HTTP 409 Conflict and the error code ScopeLocked.\n\nImpact: Locks exist to stop the deletion of machines that matter. A blocked delete may be an honest mistake, but it may also be an attacker, or a compromised automation identity, trying to destroy infrastructure.\n\nMitigation: Confirm with the caller that the delete was authorised and intended; if not, treat the identity as compromised and investigate. If this alert is followed by a successful VM deletion or a lock removal (Microsoft.Authorization/locks/delete) by the same identity, act at once: the lock may have been removed to get the delete through.\n\nMITRE ATT&CK v19: TA0112 Defense Impairment / T1578.003 Delete Cloud Instance.\nDetection locked-vm-delete-attempt, pack azure-vm-security 1.0.0."
    "public-ip-associated"     = "Fires when a write to a network interface completes and the interface's IP configuration references a public IP address, which makes the attached VM reachable from the internet (subject to its network security groups).\n\nImpact: Exposing a VM to the internet opens a path for remote access, for exfiltration of data, and for command-and-control traffic.\n\nMitigation: Confirm that the exposure was authorised and intended; if not, dissociate the public IP, review the network security group rules of the NIC and subnet, and investigate the identity.\n\nMITRE ATT&CK v19: TA0112 Defense Impairment / T1578 Modify Cloud Compute Infrastructure.\nDetection public-ip-associated, pack azure-vm-security 1.0.0."
    "resource-deallocated"     = "Fires when a deallocation of a virtual machine, a scale set or a scale-set instance completes: the machine is stopped and its compute resources are released.\n\nImpact: Deallocation takes services down and releases dynamic public IP addresses. Done without authorisation it disrupts the business.\n\nMitigation: Confirm that the deallocation was authorised and intended, for example by an auto-shutdown schedule or cost automation; if not, start the machine again and investigate the identity.\n\nMITRE ATT&CK v19: TA0040 Impact / T1529 System Shutdown/Reboot.\nDetection resource-deallocated, pack azure-vm-security 1.0.0."
    "resource-deleted"         = "Fires when the deletion of any Azure resource completes successfully (an operation whose name ends in /delete).\n\nImpact: An adversary can delete resources, data or configuration to cause harm or to hide their tracks. Many consecutive deletions are especially suspicious.\n\nMitigation: Confirm that the deletion was approved; if not, restore the resource and investigate the identity. Look for bursts of deletions by one identity.\n\nMITRE ATT&CK v19: TA0040 Impact / T1485 Data Destruction.\nDetection resource-deleted, pack azure-vm-security 1.0.0."
    "vm-backup-deleted"        = "Fires when backup data of a virtual machine is deleted: a Recovery Services protected item (stop protection and delete data), a restore point collection, or a single restore point.\n\nImpact: Destroying backups is a standard step before ransomware or destructive attacks, because it removes the way back. An accidental deletion leaves the machine unprotected just the same.\n\nMitigation: Confirm that the deletion was authorised and intended. If not, recover what soft delete still keeps, re-enable protection, and investigate the identity. Consider multi-user authorisation (Resource Guard) on the vault so that such deletions need a second approver.\n\nMITRE ATT&CK v19: TA0040 Impact / T1490 Inhibit System Recovery.\nDetection vm-backup-deleted, pack azure-vm-security 1.0.0."
    "vm-deleted"               = "Fires when a delete of an Azure virtual machine completes successfully (Microsoft.Compute/virtualMachines/delete with result Success).\n\nImpact: An attacker can delete virtual machines to disrupt the business, and people also delete needed machines by mistake. Every deletion should be traceable to an approved change.\n\nMitigation: Check that the deletion was authorised and intended; if not, restore the VM from backup and investigate the identity that made the call. Look for other deletions by the same identity, which point to a bulk deletion.\n\nMITRE ATT&CK v19: TA0112 Defense Impairment / T1578.003 Delete Cloud Instance.\nDetection vm-deleted, pack azure-vm-security 1.0.0."
    "vm-password-reset"        = "Fires when the VMAccess extension is written on a virtual machine, which is how the portal, the CLI and PowerShell reset a local password or SSH key (extension type VMAccessAgent on Windows, VMAccessForLinux on Linux).\n\nImpact: Resetting a VM's credentials lets an attacker log in to the machine, or lock out its legitimate users.\n\nMitigation: Confirm that the reset was authorised and intended; if not, reset the credentials again, review sign-ins on the VM and investigate the identity that made the call.\n\nMITRE ATT&CK v19: TA0003 Persistence / T1098 Account Manipulation.\nDetection vm-password-reset, pack azure-vm-security 1.0.0."
    "vm-reimaged"              = "Fires when a re-image of a virtual machine or of scale-set instances completes: the OS disk is restored to its image and local changes are discarded.\n\nImpact: Re-imaging interrupts the service running on the machine, can lose data that was not backed up, and wipes the OS disk, which also destroys forensic evidence.\n\nMitigation: Confirm that the re-image was authorised and intended; if not, investigate the identity and check whether evidence on the machine was needed. Make sure data is backed up before planned re-images.\n\nMITRE ATT&CK v19: TA0112 Defense Impairment / T1578.004 Revert Cloud Instance.\nDetection vm-reimaged, pack azure-vm-security 1.0.0."
    "vm-turned-off"            = "Fires when a power-off of a virtual machine, a scale set or a scale-set instance completes (the machine stops but stays allocated and billed).\n\nImpact: Stopping machines takes their services down; an attacker can do it to disrupt the business, and mistakes do the same.\n\nMitigation: Confirm that the power-off was authorised and intended; if not, start the machine again and investigate the identity. Look for other power-offs by the same identity.\n\nMITRE ATT&CK v19: TA0040 Impact / T1529 System Shutdown/Reboot.\nDetection vm-turned-off, pack azure-vm-security 1.0.0."
    "vmss-extension-changed"   = "Fires when an extension of a virtual machine scale set, or of one of its instances, is created, updated or removed.\n\nImpact: Extensions run code as SYSTEM or root on every instance of the scale set. An unauthorised change can deploy malware, disable security agents, or break the service on all instances at once.\n\nMitigation: Confirm that the change was authorised and intended; if not, roll the extension back, check the instances for the code it ran, and investigate the identity. Restrict who may write extensions with role-based access control.\n\nMITRE ATT&CK v19: TA0002 Execution / T1651 Cloud Administration Command.\nDetection vmss-extension-changed, pack azure-vm-security 1.0.0."
  }

  time_window = { "5m" = "5_MINUTES", "10m" = "10_MINUTES", "15m" = "15_MINUTES", "20m" = "20_MINUTES", "30m" = "30_MINUTES", "1h" = "1_HOUR", "2h" = "2_HOURS", "4h" = "4_HOURS", "6h" = "6_HOURS", "12h" = "12_HOURS", "24h" = "24_HOURS", "36h" = "36_HOURS" }
  severity    = { Verbose = "Unspecified", Debug = "Debug", Info = "Info", Warning = "Warning", Error = "Error", Critical = "Critical" }
  notify_on   = { triggered_only = "Triggered Only", triggered_and_resolved = "Triggered and Resolved" }

  label_filters = {
    application_name = length(var.label_filters.application_name) == 0 ? null : [
      for f in var.label_filters.application_name : { value = f.value, operation = f.operation }
    ]
    subsystem_name = length(var.label_filters.subsystem_name) == 0 ? null : [
      for f in var.label_filters.subsystem_name : { value = f.value, operation = f.operation }
    ]
    severities = length(var.label_filters.severities) == 0 ? null : [
      for s in var.label_filters.severities : local.severity[s]
    ]
  }

  # Cadences are always explicit (as in the alert JSON): a webhook without its own follows the
  # incident cadence, and the incident cadence defaults to triggered_only every 10 minutes.
  incidents = {
    notify_on         = coalesce(try(var.incidents.notify_on, null), "triggered_only")
    retrigger_minutes = coalesce(try(var.incidents.retrigger_minutes, null), 10)
  }

  # Per detection: its own incident cadence, else the module's.
  incidents_for = { for id, d in local.catalog : id => {
    notify_on         = coalesce(try(var.detections[id].incidents.notify_on, null), local.incidents.notify_on)
    retrigger_minutes = coalesce(try(var.detections[id].incidents.retrigger_minutes, null), local.incidents.retrigger_minutes)
  } }

  # The default webhooks, then those of the alert's priority, then the detection's own.
  webhooks_for = { for id, d in local.catalog : id => concat(
    var.notifications.webhooks,
    try(var.notifications.by_priority[local.priority[id]].webhooks, []),
    try(var.detections[id].notifications.webhooks, []),
  ) }

  # Notification Center destinations add up like webhooks; the router applies when there are none.
  destinations_for = { for id, d in local.catalog : id => concat(
    var.notifications.destinations,
    try(var.notifications.by_priority[local.priority[id]].destinations, []),
    try(var.detections[id].notifications.destinations, []),
  ) }
  router_for = { for id, d in local.catalog : id => length(local.destinations_for[id]) > 0 || var.notifications.router == null ? null : {
    notify_on = local.notify_on[coalesce(try(var.notifications.router.notify_on, null), "triggered_only")]
  } }

  notification_group = { for id, d in local.catalog : id => length(local.webhooks_for[id]) + length(local.destinations_for[id]) == 0 && local.router_for[id] == null ? null : {
    webhooks_settings = length(local.webhooks_for[id]) == 0 ? null : [for w in local.webhooks_for[id] : {
      integration_id      = w.integration_id == null ? null : tostring(w.integration_id)
      recipients          = w.recipients
      notify_on           = local.notify_on[coalesce(w.notify_on, local.incidents_for[id].notify_on)]
      retriggering_period = { minutes = coalesce(w.retrigger_minutes, local.incidents_for[id].retrigger_minutes) }
    }]
    destinations = length(local.destinations_for[id]) == 0 ? null : [for x in local.destinations_for[id] : {
      connector_id                = x.connector_id
      preset_id                   = x.preset_id != null ? x.preset_id : ""
      notify_on                   = local.notify_on[coalesce(x.notify_on, local.incidents_for[id].notify_on)]
      retriggering_period_minutes = coalesce(x.retrigger_minutes, local.incidents_for[id].retrigger_minutes)
    }]
    router = local.router_for[id]
  } }

  # Durations as the API counts them (milliseconds); 0 sends no delay.
  duration_ms           = { s = 1000, m = 60000, h = 3600000 }
  evaluation_delay_text = { for id, d in local.catalog : id => coalesce(try(var.detections[id].evaluation_delay, null), var.evaluation_delay) }
  evaluation_delay_ms   = { for id, text in local.evaluation_delay_text : id => text == "0" ? 0 : tonumber(regex("^[0-9]+", text)) * local.duration_ms[regex("[smh]$", text)] }

  # A detection's own schedule wins; `always = true` lifts the module's.
  schedule_for = { for id, d in local.catalog : id => (
    try(var.detections[id].schedule.always, null) == true ? null : (
      try(var.detections[id].schedule.days, null) != null ? {
        days  = var.detections[id].schedule.days
        start = var.detections[id].schedule.start
        end   = var.detections[id].schedule.end
      } : var.schedule
    )
  ) }
  schedule = { for id, s in local.schedule_for : id => s == null ? null : {
    active_on = {
      days_of_week = s.days
      start_time   = s.start
      end_time     = s.end
      utc_offset   = "+0000"
    }
  } }

  payload_filter = { for id, d in local.catalog : id => [
    for f in coalesce(try(var.detections[id].payload_fields, null), var.payload_fields) : "${local.field_prefix}${f}"
  ] }
  data_sources = { for id, d in local.catalog : id => (
    try(var.detections[id].data_source, null) != null ? [var.detections[id].data_source] : (var.data_source == null ? null : [var.data_source])
  ) }

  incidents_settings = { for id, d in local.catalog : id => {
    notify_on           = local.notify_on[local.incidents_for[id].notify_on]
    retriggering_period = { minutes = local.incidents_for[id].retrigger_minutes }
  } }

  phantom = { for id, d in local.catalog : id => coalesce(try(var.detections[id].phantom, null), var.phantom) }

  # Exceptions become an explicit AND NOT (...) clause, composed exactly as pack render does.
  exception_clauses = { for id, d in local.catalog : id => [
    for e in concat(var.exceptions, try(var.detections[id].exceptions, [])) :
    e.lucene != null ? "(${e.lucene})" : "${local.field_prefix}${e.match.field}:(${join(" OR ", [for v in e.match.values : jsonencode(v)])})"
  ] }
  query = { for id, d in local.catalog : id => (
    length(local.exception_clauses[id]) == 0 ? d.query : "(${d.query}) AND NOT (${join(" OR ", local.exception_clauses[id])})"
  ) }

  group_by = { for id, d in local.catalog : id => [for f in try(var.detections[id].group_by, []) : "${local.field_prefix}${f}"] }
}

# bulk-disk-deletion: More than 10 Azure managed disks deleted within 20 minutes
# ATT&CK TA0040 Impact / T1485 Data Destruction
resource "coralogix_alert" "bulk_disk_deletion" {
  name        = "${var.name_prefix}${local.title["bulk-disk-deletion"]}"
  description = local.description["bulk-disk-deletion"]
  enabled     = local.enabled["bulk-disk-deletion"]
  priority    = local.priority["bulk-disk-deletion"]
  labels      = merge(var.labels, local.ownership_labels["bulk-disk-deletion"])

  phantom_mode       = local.phantom["bulk-disk-deletion"]
  incidents_settings = local.incidents_settings["bulk-disk-deletion"]
  notification_group = local.notification_group["bulk-disk-deletion"]
  schedule           = local.schedule["bulk-disk-deletion"]
  data_sources       = local.data_sources["bulk-disk-deletion"]
  group_by           = length(local.group_by["bulk-disk-deletion"]) == 0 ? null : local.group_by["bulk-disk-deletion"]

  type_definition = {
    logs_threshold = {
      logs_filter = {
        simple_filter = {
          lucene_query  = local.query["bulk-disk-deletion"]
          label_filters = local.label_filters
        }
      }
      notification_payload_filter = length(local.payload_filter["bulk-disk-deletion"]) == 0 ? null : local.payload_filter["bulk-disk-deletion"]
      rules = [{
        condition = {
          threshold      = local.threshold["bulk-disk-deletion"].count
          time_window    = local.time_window[local.threshold["bulk-disk-deletion"].window]
          condition_type = "MORE_THAN"
        }
        override = { priority = local.priority["bulk-disk-deletion"] }
      }]
      custom_evaluation_delay = local.evaluation_delay_ms["bulk-disk-deletion"] == 0 ? null : local.evaluation_delay_ms["bulk-disk-deletion"]
    }
  }
}

# bulk-vm-deletion: More than 10 Azure VMs deleted within 20 minutes
# ATT&CK TA0112 Defense Impairment / T1578.003 Delete Cloud Instance
resource "coralogix_alert" "bulk_vm_deletion" {
  name        = "${var.name_prefix}${local.title["bulk-vm-deletion"]}"
  description = local.description["bulk-vm-deletion"]
  enabled     = local.enabled["bulk-vm-deletion"]
  priority    = local.priority["bulk-vm-deletion"]
  labels      = merge(var.labels, local.ownership_labels["bulk-vm-deletion"])

  phantom_mode       = local.phantom["bulk-vm-deletion"]
  incidents_settings = local.incidents_settings["bulk-vm-deletion"]
  notification_group = local.notification_group["bulk-vm-deletion"]
  schedule           = local.schedule["bulk-vm-deletion"]
  data_sources       = local.data_sources["bulk-vm-deletion"]
  group_by           = length(local.group_by["bulk-vm-deletion"]) == 0 ? null : local.group_by["bulk-vm-deletion"]

  type_definition = {
    logs_threshold = {
      logs_filter = {
        simple_filter = {
          lucene_query  = local.query["bulk-vm-deletion"]
          label_filters = local.label_filters
        }
      }
      notification_payload_filter = length(local.payload_filter["bulk-vm-deletion"]) == 0 ? null : local.payload_filter["bulk-vm-deletion"]
      rules = [{
        condition = {
          threshold      = local.threshold["bulk-vm-deletion"].count
          time_window    = local.time_window[local.threshold["bulk-vm-deletion"].window]
          condition_type = "MORE_THAN"
        }
        override = { priority = local.priority["bulk-vm-deletion"] }
      }]
      custom_evaluation_delay = local.evaluation_delay_ms["bulk-vm-deletion"] == 0 ? null : local.evaluation_delay_ms["bulk-vm-deletion"]
    }
  }
}

# disk-deleted: Azure managed disk deleted
# ATT&CK TA0040 Impact / T1485 Data Destruction
resource "coralogix_alert" "disk_deleted" {
  name        = "${var.name_prefix}${local.title["disk-deleted"]}"
  description = local.description["disk-deleted"]
  enabled     = local.enabled["disk-deleted"]
  priority    = local.priority["disk-deleted"]
  labels      = merge(var.labels, local.ownership_labels["disk-deleted"])

  phantom_mode       = local.phantom["disk-deleted"]
  incidents_settings = local.incidents_settings["disk-deleted"]
  notification_group = local.notification_group["disk-deleted"]
  schedule           = local.schedule["disk-deleted"]
  data_sources       = local.data_sources["disk-deleted"]

  type_definition = {
    logs_immediate = {
      logs_filter = {
        simple_filter = {
          lucene_query  = local.query["disk-deleted"]
          label_filters = local.label_filters
        }
      }
      notification_payload_filter = length(local.payload_filter["disk-deleted"]) == 0 ? null : local.payload_filter["disk-deleted"]
    }
  }
}

# locked-vm-delete-attempt: Attempt to delete a locked Azure VM
# ATT&CK TA0112 Defense Impairment / T1578.003 Delete Cloud Instance
resource "coralogix_alert" "locked_vm_delete_attempt" {
  name        = "${var.name_prefix}${local.title["locked-vm-delete-attempt"]}"
  description = local.description["locked-vm-delete-attempt"]
  enabled     = local.enabled["locked-vm-delete-attempt"]
  priority    = local.priority["locked-vm-delete-attempt"]
  labels      = merge(var.labels, local.ownership_labels["locked-vm-delete-attempt"])

  phantom_mode       = local.phantom["locked-vm-delete-attempt"]
  incidents_settings = local.incidents_settings["locked-vm-delete-attempt"]
  notification_group = local.notification_group["locked-vm-delete-attempt"]
  schedule           = local.schedule["locked-vm-delete-attempt"]
  data_sources       = local.data_sources["locked-vm-delete-attempt"]

  type_definition = {
    logs_immediate = {
      logs_filter = {
        simple_filter = {
          lucene_query  = local.query["locked-vm-delete-attempt"]
          label_filters = local.label_filters
        }
      }
      notification_payload_filter = length(local.payload_filter["locked-vm-delete-attempt"]) == 0 ? null : local.payload_filter["locked-vm-delete-attempt"]
    }
  }
}

# public-ip-associated: Public IP address associated with an Azure VM network interface
# ATT&CK TA0112 Defense Impairment / T1578 Modify Cloud Compute Infrastructure
resource "coralogix_alert" "public_ip_associated" {
  name        = "${var.name_prefix}${local.title["public-ip-associated"]}"
  description = local.description["public-ip-associated"]
  enabled     = local.enabled["public-ip-associated"]
  priority    = local.priority["public-ip-associated"]
  labels      = merge(var.labels, local.ownership_labels["public-ip-associated"])

  phantom_mode       = local.phantom["public-ip-associated"]
  incidents_settings = local.incidents_settings["public-ip-associated"]
  notification_group = local.notification_group["public-ip-associated"]
  schedule           = local.schedule["public-ip-associated"]
  data_sources       = local.data_sources["public-ip-associated"]

  type_definition = {
    logs_immediate = {
      logs_filter = {
        simple_filter = {
          lucene_query  = local.query["public-ip-associated"]
          label_filters = local.label_filters
        }
      }
      notification_payload_filter = length(local.payload_filter["public-ip-associated"]) == 0 ? null : local.payload_filter["public-ip-associated"]
    }
  }
}

# resource-deallocated: Azure VM or scale set deallocated
# ATT&CK TA0040 Impact / T1529 System Shutdown/Reboot
resource "coralogix_alert" "resource_deallocated" {
  name        = "${var.name_prefix}${local.title["resource-deallocated"]}"
  description = local.description["resource-deallocated"]
  enabled     = local.enabled["resource-deallocated"]
  priority    = local.priority["resource-deallocated"]
  labels      = merge(var.labels, local.ownership_labels["resource-deallocated"])

  phantom_mode       = local.phantom["resource-deallocated"]
  incidents_settings = local.incidents_settings["resource-deallocated"]
  notification_group = local.notification_group["resource-deallocated"]
  schedule           = local.schedule["resource-deallocated"]
  data_sources       = local.data_sources["resource-deallocated"]

  type_definition = {
    logs_immediate = {
      logs_filter = {
        simple_filter = {
          lucene_query  = local.query["resource-deallocated"]
          label_filters = local.label_filters
        }
      }
      notification_payload_filter = length(local.payload_filter["resource-deallocated"]) == 0 ? null : local.payload_filter["resource-deallocated"]
    }
  }
}

# resource-deleted: Azure resource deleted
# ATT&CK TA0040 Impact / T1485 Data Destruction
resource "coralogix_alert" "resource_deleted" {
  name        = "${var.name_prefix}${local.title["resource-deleted"]}"
  description = local.description["resource-deleted"]
  enabled     = local.enabled["resource-deleted"]
  priority    = local.priority["resource-deleted"]
  labels      = merge(var.labels, local.ownership_labels["resource-deleted"])

  phantom_mode       = local.phantom["resource-deleted"]
  incidents_settings = local.incidents_settings["resource-deleted"]
  notification_group = local.notification_group["resource-deleted"]
  schedule           = local.schedule["resource-deleted"]
  data_sources       = local.data_sources["resource-deleted"]

  type_definition = {
    logs_immediate = {
      logs_filter = {
        simple_filter = {
          lucene_query  = local.query["resource-deleted"]
          label_filters = local.label_filters
        }
      }
      notification_payload_filter = length(local.payload_filter["resource-deleted"]) == 0 ? null : local.payload_filter["resource-deleted"]
    }
  }
}

# vm-backup-deleted: Azure VM backup data deleted
# ATT&CK TA0040 Impact / T1490 Inhibit System Recovery
resource "coralogix_alert" "vm_backup_deleted" {
  name        = "${var.name_prefix}${local.title["vm-backup-deleted"]}"
  description = local.description["vm-backup-deleted"]
  enabled     = local.enabled["vm-backup-deleted"]
  priority    = local.priority["vm-backup-deleted"]
  labels      = merge(var.labels, local.ownership_labels["vm-backup-deleted"])

  phantom_mode       = local.phantom["vm-backup-deleted"]
  incidents_settings = local.incidents_settings["vm-backup-deleted"]
  notification_group = local.notification_group["vm-backup-deleted"]
  schedule           = local.schedule["vm-backup-deleted"]
  data_sources       = local.data_sources["vm-backup-deleted"]

  type_definition = {
    logs_immediate = {
      logs_filter = {
        simple_filter = {
          lucene_query  = local.query["vm-backup-deleted"]
          label_filters = local.label_filters
        }
      }
      notification_payload_filter = length(local.payload_filter["vm-backup-deleted"]) == 0 ? null : local.payload_filter["vm-backup-deleted"]
    }
  }
}

# vm-deleted: Azure VM deleted
# ATT&CK TA0112 Defense Impairment / T1578.003 Delete Cloud Instance
resource "coralogix_alert" "vm_deleted" {
  name        = "${var.name_prefix}${local.title["vm-deleted"]}"
  description = local.description["vm-deleted"]
  enabled     = local.enabled["vm-deleted"]
  priority    = local.priority["vm-deleted"]
  labels      = merge(var.labels, local.ownership_labels["vm-deleted"])

  phantom_mode       = local.phantom["vm-deleted"]
  incidents_settings = local.incidents_settings["vm-deleted"]
  notification_group = local.notification_group["vm-deleted"]
  schedule           = local.schedule["vm-deleted"]
  data_sources       = local.data_sources["vm-deleted"]

  type_definition = {
    logs_immediate = {
      logs_filter = {
        simple_filter = {
          lucene_query  = local.query["vm-deleted"]
          label_filters = local.label_filters
        }
      }
      notification_payload_filter = length(local.payload_filter["vm-deleted"]) == 0 ? null : local.payload_filter["vm-deleted"]
    }
  }
}

# vm-password-reset: Azure VM password reset through the VMAccess extension
# ATT&CK TA0003 Persistence / T1098 Account Manipulation
resource "coralogix_alert" "vm_password_reset" {
  name        = "${var.name_prefix}${local.title["vm-password-reset"]}"
  description = local.description["vm-password-reset"]
  enabled     = local.enabled["vm-password-reset"]
  priority    = local.priority["vm-password-reset"]
  labels      = merge(var.labels, local.ownership_labels["vm-password-reset"])

  phantom_mode       = local.phantom["vm-password-reset"]
  incidents_settings = local.incidents_settings["vm-password-reset"]
  notification_group = local.notification_group["vm-password-reset"]
  schedule           = local.schedule["vm-password-reset"]
  data_sources       = local.data_sources["vm-password-reset"]

  type_definition = {
    logs_immediate = {
      logs_filter = {
        simple_filter = {
          lucene_query  = local.query["vm-password-reset"]
          label_filters = local.label_filters
        }
      }
      notification_payload_filter = length(local.payload_filter["vm-password-reset"]) == 0 ? null : local.payload_filter["vm-password-reset"]
    }
  }
}

# vm-reimaged: Azure VM or scale-set instance re-imaged
# ATT&CK TA0112 Defense Impairment / T1578.004 Revert Cloud Instance
resource "coralogix_alert" "vm_reimaged" {
  name        = "${var.name_prefix}${local.title["vm-reimaged"]}"
  description = local.description["vm-reimaged"]
  enabled     = local.enabled["vm-reimaged"]
  priority    = local.priority["vm-reimaged"]
  labels      = merge(var.labels, local.ownership_labels["vm-reimaged"])

  phantom_mode       = local.phantom["vm-reimaged"]
  incidents_settings = local.incidents_settings["vm-reimaged"]
  notification_group = local.notification_group["vm-reimaged"]
  schedule           = local.schedule["vm-reimaged"]
  data_sources       = local.data_sources["vm-reimaged"]

  type_definition = {
    logs_immediate = {
      logs_filter = {
        simple_filter = {
          lucene_query  = local.query["vm-reimaged"]
          label_filters = local.label_filters
        }
      }
      notification_payload_filter = length(local.payload_filter["vm-reimaged"]) == 0 ? null : local.payload_filter["vm-reimaged"]
    }
  }
}

# vm-turned-off: Azure VM or scale set powered off
# ATT&CK TA0040 Impact / T1529 System Shutdown/Reboot
resource "coralogix_alert" "vm_turned_off" {
  name        = "${var.name_prefix}${local.title["vm-turned-off"]}"
  description = local.description["vm-turned-off"]
  enabled     = local.enabled["vm-turned-off"]
  priority    = local.priority["vm-turned-off"]
  labels      = merge(var.labels, local.ownership_labels["vm-turned-off"])

  phantom_mode       = local.phantom["vm-turned-off"]
  incidents_settings = local.incidents_settings["vm-turned-off"]
  notification_group = local.notification_group["vm-turned-off"]
  schedule           = local.schedule["vm-turned-off"]
  data_sources       = local.data_sources["vm-turned-off"]

  type_definition = {
    logs_immediate = {
      logs_filter = {
        simple_filter = {
          lucene_query  = local.query["vm-turned-off"]
          label_filters = local.label_filters
        }
      }
      notification_payload_filter = length(local.payload_filter["vm-turned-off"]) == 0 ? null : local.payload_filter["vm-turned-off"]
    }
  }
}

# vmss-extension-changed: Azure VM scale set extension changed
# ATT&CK TA0002 Execution / T1651 Cloud Administration Command
resource "coralogix_alert" "vmss_extension_changed" {
  name        = "${var.name_prefix}${local.title["vmss-extension-changed"]}"
  description = local.description["vmss-extension-changed"]
  enabled     = local.enabled["vmss-extension-changed"]
  priority    = local.priority["vmss-extension-changed"]
  labels      = merge(var.labels, local.ownership_labels["vmss-extension-changed"])

  phantom_mode       = local.phantom["vmss-extension-changed"]
  incidents_settings = local.incidents_settings["vmss-extension-changed"]
  notification_group = local.notification_group["vmss-extension-changed"]
  schedule           = local.schedule["vmss-extension-changed"]
  data_sources       = local.data_sources["vmss-extension-changed"]

  type_definition = {
    logs_immediate = {
      logs_filter = {
        simple_filter = {
          lucene_query  = local.query["vmss-extension-changed"]
          label_filters = local.label_filters
        }
      }
      notification_payload_filter = length(local.payload_filter["vmss-extension-changed"]) == 0 ? null : local.payload_filter["vmss-extension-changed"]
    }
  }
}
