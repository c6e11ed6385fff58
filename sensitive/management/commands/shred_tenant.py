from django.core.management.base import BaseCommand, CommandError

from sensitive import rotation
from sensitive.management.commands._tenant import tenant_named


class Command(BaseCommand):
    help = "Destroy a tenant's encryption keys: all its sensitive values become unreadable, for good."

    def add_arguments(self, parser) -> None:
        parser.add_argument("tenant", help="Tenant name.")
        parser.add_argument("--confirm", action="store_true", help="Required: this cannot be undone.")

    def handle(self, *args, tenant: str, confirm: bool, **options) -> None:
        found = tenant_named(tenant)
        if not confirm:
            raise CommandError(
                f"This destroys every sensitive value of {found.name} for good. Run again with --confirm to do it."
            )
        rotation.tenant_keys_shred(tenant=found)
        self.stdout.write(self.style.SUCCESS(f"The keys of {found.name} are destroyed; its sensitive values are gone."))
