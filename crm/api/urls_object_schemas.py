"""/crm-object-schemas/v3/schemas: where HubSpot's own clients find the schemas API (crm/api/schemas.py)."""

from crm.api.urls import object_schemas_urlpatterns as urlpatterns

__all__ = ["urlpatterns"]
