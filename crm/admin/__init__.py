"""The CRM's admin, one module per entity on the shared base (core.admin.TenantScopedAdmin).

Django's autodiscovery imports this package; importing the modules registers their admins.
"""

from crm.admin import object_types, pipelines, properties, records  # noqa: F401
