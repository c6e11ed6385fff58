from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("accounts.urls")),
    path("webauthn/", include("accounts.passkeys")),
    path("admin/", admin.site.urls),
    path("audit/", include("audit.urls")),
    path("lists/", include("workflows.urls")),
    path("reports/", include("reports.urls")),
    path("settings/", include("crm.urls_settings")),
    path("crm/", include("crm.api.urls")),
    path("api/", include("crm.api.docs")),
    path("crm-object-schemas/", include(("crm.api.urls_object_schemas", "object_schemas"))),
    path("", include("crm.urls")),
]
