"""`Authorization: Bearer pat-...`: a private app's token, as HubSpot's private apps use."""

from __future__ import annotations

from django.views.decorators.debug import sensitive_variables
from rest_framework import authentication, exceptions

from accounts import private_apps
from core.http import client_ip


class PrivateAppAuthentication(authentication.BaseAuthentication):
    """request.user is the app's own user (role "app") and request.auth its PrivateApp."""

    @sensitive_variables("header", "token")  # a traceback through here shows no token
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _, token = header.partition(" ")
        if not header:
            return None
        if scheme.lower() != "bearer" or not token.strip():
            raise exceptions.AuthenticationFailed("The Authorization header must be 'Bearer <private app token>'.")
        try:
            app = private_apps.private_app_authenticate(token=token.strip(), ip=client_ip(request._request))
        except private_apps.TokenRefused as exc:
            raise exceptions.AuthenticationFailed(exc.message) from None
        return app.user, app

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
