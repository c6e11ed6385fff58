from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core.exceptions import ApplicationError
from sensitive import rotation
from sensitive.models import TenantKeyset


class Command(BaseCommand):
    help = (
        "Re-wrap every tenant keyset under a new master key: a new key in the key file (default), "
        "or the KMS key given with --to-uri. Safe to stop and run again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--to-uri", help="A KMS key URI (hcvault://, aws-kms://, gcp-kms://) to move to.")

    def handle(self, *args, to_uri: str | None, **options) -> None:
        total = TenantKeyset.objects.filter(destroyed_at__isnull=True).count()
        try:
            with tqdm(total=total, unit="tenant", disable=options["verbosity"] == 0) as bar:
                rewrapped = rotation.master_key_rotate(to_uri=to_uri, progress=bar.update)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(self.style.SUCCESS(f"Re-wrapped the keys of {rewrapped} tenants under the new master key."))
        if to_uri:
            self.stdout.write(f"Now set SENSITIVE_MASTER_KEY_URI={to_uri} everywhere the CRM runs.")
