from django.core.management.base import BaseCommand, CommandError

from accounts import health
from accounts.models import Tenant


class Command(BaseCommand):
    help = "Print the security health check of a tenant: each check, its state and the recommended action."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tenant", required=True, help="Tenant name.")

    def handle(self, *args, tenant: str, **options) -> None:
        found = Tenant.objects.filter(name__iexact=tenant).first()
        if found is None:
            raise CommandError(f"No tenant named {tenant!r}.")
        style = {health.OK: self.style.SUCCESS, health.WARNING: self.style.WARNING, health.FAILING: self.style.ERROR}
        for result in health.run_checks(tenant=found):
            self.stdout.write(style[result.state](f"[{result.state.upper():7}] {result.title}: {result.found}"))
            for item in result.details[:20]:
                self.stdout.write(f"            - {item}")
            if result.action:
                where = f" ({result.link})" if result.link else ""
                self.stdout.write(f"            Action: {result.action}{where}")
