"""An app's webhooks pages, included at /settings/apps/<app id>/webhooks/."""

from django.urls import path

from webhooks import views

urlpatterns = [
    path("", views.app_webhooks, name="webhooks_app"),
    path("secret/", views.app_webhooks_secret, name="webhooks_app_secret"),
]
