from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("accounts.urls")),
    path("webauthn/", include("accounts.passkeys")),
    path("admin/", admin.site.urls),
    path("audit/", include("audit.urls")),
    path("lists/", include("workflows.urls")),
    path("settings/apps/<uuid:app_id>/webhooks/", include("webhooks.urls")),
    path("workflows/", include("workflows.automation.urls")),
    path("reports/", include("reports.urls")),
    path("settings/", include("crm.urls_settings")),
    path("crm/", include("crm.api.urls")),
    path("api/", include("crm.api.docs")),
    path("webhooks/", include(("webhooks.api", "webhooks_api"))),
    path("crm-object-schemas/", include(("crm.api.urls_object_schemas", "object_schemas"))),
    path("", include("crm.urls")),
]
