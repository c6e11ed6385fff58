from django.core.management.base import BaseCommand, CommandError

from accounts.models import Tenant
from audit import archive, chain
from audit.models import PLATFORM_CHAIN, AuditChainHead, chain_key


class Command(BaseCommand):
    help = "Walk the audit hash chains and report the first broken link; exits non-zero if one is broken."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tenant", help="Only this tenant's chain (default: every chain).")
        parser.add_argument("--archives", action="store_true", help="Also verify the archived event files.")

    def handle(self, *args, tenant: str | None, archives: bool, **options) -> None:
        if tenant:
            found = Tenant.objects.filter(name__iexact=tenant).first()
            if found is None:
                raise CommandError(f"No tenant named {tenant!r}.")
            chains = [(found.name, chain_key(found.pk))]
        else:
            names = {str(pk): name for pk, name in Tenant.objects.values_list("id", "name")}
            chains = [
                (PLATFORM_CHAIN if key == PLATFORM_CHAIN else names.get(key, key), key)
                for key in AuditChainHead.objects.order_by("chain").values_list("chain", flat=True)
            ]
        broken = []
        for name, key in chains:
            if archives:
                checked, fault = archive.verify_archives(key)
                self._report(f"{name} (archives)", checked, fault, broken)
            checked, fault = chain.verify(key)
            self._report(name, checked, fault, broken)
        if broken:
            raise CommandError(f"The audit chain is broken for: {', '.join(broken)}.")

    def _report(self, name: str, checked: int, fault, broken: list) -> None:
        if fault is None:
            self.stdout.write(self.style.SUCCESS(f"{name}: {checked} events, chain intact."))
            return
        where = f"event #{fault.seq}" + (f" (id {fault.event_id})" if fault.event_id else "")
        self.stdout.write(self.style.ERROR(f"{name}: BROKEN at {where}: {fault.reason}; {checked} events before it."))
        broken.append(name)
