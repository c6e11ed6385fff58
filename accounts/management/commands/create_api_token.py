"""create_api_token: a private app and its token from the command line, for scripts and tests.

The token is the only thing on stdout (`TOKEN=$(python manage.py create_api_token ...)`); the
note that it is shown once goes to stderr. The app is made by the same service as the settings
page's, so the same checks apply and the same security event is written (with no acting user:
whoever runs the server runs this).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import private_apps
from accounts.models import Tenant
from core.exceptions import validation_error_text


def _names(text: str) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


class Command(BaseCommand):
    help = (
        "Create a private app of a tenant with the given scopes and print its token (only the token, on stdout). "
        "The token is shown this once; rotate or revoke it in the settings under Private apps."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tenant", required=True, help="The tenant's name.")
        parser.add_argument("--name", required=True, help="The app's name, unique in the tenant.")
        parser.add_argument("--description", default="")
        parser.add_argument(
            "--scopes", required=True, help="Comma-separated, e.g. crm.objects.contacts.read,crm.objects.contacts.write"
        )
        parser.add_argument(
            "--allowlist",
            default="",
            help="Comma-separated sensitive properties the sensitive scopes open (e.g. contacts.annual_salary); "
            "default: all of them.",
        )
        parser.add_argument(
            "--ip-range",
            dest="ip_ranges",
            action="extend",
            nargs="+",
            default=[],
            metavar="CIDR",
            help="An address or range the token may be used from (repeatable); default: any address.",
        )
        parser.add_argument("--expires", help="YYYY-MM-DD: the token stops working at the end of that day (UTC).")

    def handle(self, *args, tenant: str, name: str, scopes: str, allowlist: str, ip_ranges, **options) -> None:
        found = Tenant.objects.filter(name__iexact=(tenant or "").strip()).first()
        if found is None:
            raise CommandError(f"No tenant named {tenant!r}.")
        expires_at = None
        if options.get("expires"):
            try:
                expires_at = private_apps.expiry_of(dt.date.fromisoformat(options["expires"].strip()))
            except ValueError:
                raise CommandError(f"--expires {options['expires']!r} is not a date such as 2030-12-31.") from None
        try:
            app, token = private_apps.private_app_create(
                actor=None,
                tenant=found,
                name=name,
                description=options.get("description") or "",
                scopes=_names(scopes),
                sensitive_allowlist=_names(allowlist),
                allowed_ip_ranges=ip_ranges,
                expires_at=expires_at,
            )
        except ValidationError as exc:
            raise CommandError(validation_error_text(exc)) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(token)
        self.stderr.write(f"Created the private app {app.name!r} of {found.name}; its token is shown only this once.")
