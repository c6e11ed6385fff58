from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core.exceptions import ApplicationError
from sensitive import blind_index_rotation, rotation
from sensitive.management.commands._tenant import tenant_named


class Command(BaseCommand):
    help = (
        "Rotate a tenant's keys. The encryption key: add a new key, make it primary once every process "
        "has it, re-encrypt the values on old keys, retire the old keys. Then the blind index key: a new "
        "key, every blind index recomputed, the old key retired. Safe to stop and run again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("tenant", help="Tenant name.")
        parser.add_argument("--batch-size", type=int, default=rotation.ROTATION_BATCH)

    def handle(self, *args, tenant: str, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        found = tenant_named(tenant)
        quiet = options["verbosity"] == 0
        try:
            reencrypted = 0
            # A run killed during the second rotation resumes it: the first one is done.
            if not blind_index_rotation.blind_index_rotation_under_way(found):
                total = rotation.values_to_rotate(found)
                with tqdm(total=total, unit="value", desc="Encryption key", disable=quiet) as bar:
                    result = rotation.tenant_key_rotate(tenant=found, batch_size=batch_size, progress=bar.update)
                if not result.finished:
                    raise CommandError(
                        f"{result.remaining} values are still on the old key (unreadable ones are in the log, "
                        "others were written during the rotation: run it again); the old key is kept."
                    )
                reencrypted = result.reencrypted
            total = blind_index_rotation.values_to_reindex(found)
            with tqdm(total=total, unit="value", desc="Blind index key", disable=quiet) as bar:
                reindexed = blind_index_rotation.blind_index_key_rotate(
                    tenant=found, batch_size=batch_size, progress=bar.update
                )
            if not reindexed.finished:
                raise CommandError(
                    f"{reindexed.remaining} blind indexes were written under the old key during the rotation: "
                    "run it again to finish; the old key is kept until then."
                )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Rotated the keys of {found.name}: {reencrypted} values re-encrypted, "
                f"{reindexed.reencrypted} blind indexes recomputed."
            )
        )
