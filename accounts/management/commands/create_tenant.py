from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import services
from core.exceptions import validation_error_text


class Command(BaseCommand):
    help = "Create a tenant with its standard object types and properties, and its first super admin."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-password", required=True)

    def handle(self, *args, name: str, admin_email: str, admin_password: str, **options) -> None:
        try:
            tenant, admin = services.tenant_create(name=name, admin_email=admin_email, admin_password=admin_password)
        except ValidationError as exc:
            raise CommandError(validation_error_text(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Created tenant {tenant.name!r} with super admin {admin.email}."))
