from __future__ import annotations

import uuid

from django.db import models


class BaseModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class TenantQuerySet(models.QuerySet):
    def for_tenant(self, tenant) -> TenantQuerySet:
        if tenant is None:
            # A missing tenant must never mean "every tenant".
            raise ValueError("a tenant is required to query tenant data")
        return self.filter(tenant=tenant)


class TenantScopedModel(BaseModel):
    """Tenant data: a UUID key and a tenant, and a manager whose reads start from `for_tenant`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True
