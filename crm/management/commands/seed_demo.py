import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from accounts.models import Tenant, User
from crm.demo import demo_seed


class Command(BaseCommand):
    help = "Add realistic demo companies, contacts, deals and tickets to a tenant, with bulk inserts."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tenant", default="Demo", help="Tenant name (default: Demo).")
        parser.add_argument("--contacts", type=int, default=1_000, help="How many contacts (default: 1000).")
        parser.add_argument("--seed", type=int, default=7, help="Random seed, for repeatable data.")

    def handle(self, *args, tenant: str, contacts: int, seed: int, **options) -> None:
        if contacts < 1:
            raise CommandError("--contacts must be at least 1.")
        found = Tenant.objects.filter(name__iexact=tenant).first()
        if found is None:
            raise CommandError(f"No tenant named {tenant!r}. Create it first: python manage.py create_tenant ...")
        actor = User.objects.filter(tenant=found, role=User.Role.SUPER_ADMIN, is_active=True).first()
        if actor is None:
            raise CommandError(f"Tenant {found.name!r} has no active super admin to act as.")
        started = time.monotonic()
        with tqdm(total=contacts, unit="contact", disable=options["verbosity"] == 0) as bar:
            counts = demo_seed(actor=actor, contacts=contacts, seed=seed, progress=bar.update)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Fresh planner statistics after a bulk load: without them PostgreSQL picks scans for weeks.
                cursor.execute("ANALYZE")
        elapsed = time.monotonic() - started
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Seeded {found.name}: {summary} in {elapsed:.1f}s."))
