from django.core.management.base import BaseCommand, CommandError

from accounts.models import Tenant
from audit import verification
from core.master_key import MasterKeyUnavailable


class Command(BaseCommand):
    help = "Walk the audit chains and report the first broken link; exits non-zero if one is broken (also run nightly)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tenant", help="Only this tenant's chain (default: every chain).")
        parser.add_argument("--archives", action="store_true", help="Also verify the archived event files.")

    def handle(self, *args, tenant: str | None, archives: bool, **options) -> None:
        found = None
        if tenant:
            found = Tenant.objects.filter(name__iexact=tenant).first()
            if found is None:
                raise CommandError(f"No tenant named {tenant!r}.")
        try:
            reports = verification.chains_verify(tenant=found, archives=archives)
        except MasterKeyUnavailable as exc:
            raise CommandError(f"The chains cannot be checked: {exc}") from None
        broken = []
        for report in reports:
            name = f"{report.name} (archives)" if report.archives else report.name
            if report.fault is None:
                self.stdout.write(self.style.SUCCESS(f"{name}: {report.checked} events, chain intact."))
                continue
            self.stdout.write(
                self.style.ERROR(
                    f"{name}: BROKEN at {report.where}: {report.fault.reason}; {report.checked} events before it."
                )
            )
            broken.append(name)
        if broken:
            raise CommandError(f"The audit chain is broken for: {', '.join(broken)}.")
