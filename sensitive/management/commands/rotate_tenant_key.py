from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core.exceptions import ApplicationError
from sensitive import rotation
from sensitive.management.commands._tenant import tenant_named


class Command(BaseCommand):
    help = (
        "Rotate a tenant's encryption key: add a new key, make it primary once every process has it, "
        "re-encrypt the values on old keys, retire the old keys. Safe to stop and run again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("tenant", help="Tenant name.")
        parser.add_argument("--batch-size", type=int, default=rotation.ROTATION_BATCH)

    def handle(self, *args, tenant: str, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        found = tenant_named(tenant)
        try:
            total = rotation.values_to_rotate(found)
            with tqdm(total=total, unit="value", disable=options["verbosity"] == 0) as bar:
                result = rotation.tenant_key_rotate(tenant=found, batch_size=batch_size, progress=bar.update)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        if not result.finished:
            raise CommandError(
                f"{result.remaining} values could not be re-encrypted (see the log); the old key is kept."
            )
        self.stdout.write(
            self.style.SUCCESS(f"Rotated the key of {found.name}: {result.reencrypted} values re-encrypted.")
        )
