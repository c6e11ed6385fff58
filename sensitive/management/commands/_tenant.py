from django.core.management.base import CommandError

from accounts.models import Tenant


def tenant_named(name: str) -> Tenant:
    tenant = Tenant.objects.filter(name__iexact=name).first()
    if tenant is None:
        raise CommandError(f"No tenant named {name!r}.")
    return tenant
