from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import services
from core.exceptions import validation_error_text


class Command(BaseCommand):
    help = (
        "Create a tenant with its standard object types and properties, and its first super admin, who is "
        "emailed a sign-up link to set their own password and then set up a second factor."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")
        parser.add_argument("--admin-email", required=True)
        parser.add_argument(
            "--admin-password",
            help="For scripts and tests only: sets the password instead of emailing an invitation, so whoever "
            "runs this knows it. Allowed because the command only ever makes a new tenant, which has no sensitive "
            "properties yet; it never adds an admin to an existing tenant.",
        )

    def handle(self, *args, name: str, admin_email: str, admin_password: str | None, **options) -> None:
        if admin_password == "":
            raise CommandError("--admin-password is empty; leave it out to email an invitation instead.")
        try:
            tenant, admin = services.tenant_create(name=name, admin_email=admin_email, admin_password=admin_password)
        except ValidationError as exc:
            raise CommandError(validation_error_text(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Created tenant {tenant.name!r} with super admin {admin.email}."))
        if admin_password:
            self.stderr.write(
                self.style.WARNING("The password was set on the command line: for scripts and tests, not real tenants.")
            )
        else:
            self.stdout.write(
                f"Emailed {admin.email} a link to set their password (valid {settings.INVITATION_HOURS} hours). "
                f"To send a new one: python manage.py invite_user {admin.email}"
            )
