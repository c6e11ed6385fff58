"""/api/schema/ (our OpenAPI 3 schema) and /api/docs/ (Swagger UI over it): public, as HubSpot's docs.

Swagger UI's assets come from drf_spectacular_sidecar, served by the app (no CDN), and its start-up
script is a file of its own (SpectacularSwaggerSplitView), so the page keeps the strict policy of
config/settings/csp.py; our template moves drf-spectacular's inline <style> into a stylesheet. The
one exception, for this page only: Swagger UI's stylesheet draws its icons as data: images.
"""

from __future__ import annotations

from csp.decorators import csp_update
from django.urls import path
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView


class ApiSchema(SpectacularAPIView):
    """JSON unless YAML is asked for (`?format=yaml`, or `Accept: application/vnd.oai.openapi`)."""

    renderer_classes = [OpenApiJsonRenderer, OpenApiJsonRenderer2, OpenApiYamlRenderer, OpenApiYamlRenderer2]


class ApiDocs(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"


urlpatterns = [
    path("schema/", ApiSchema.as_view(), name="schema"),
    # An image can run no code: data: in img-src opens no way to script the page.
    path("docs/", csp_update({"img-src": ["data:"]})(ApiDocs.as_view(url_name="schema")), name="api_docs"),
]
