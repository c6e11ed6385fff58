"""What the audit tests share."""

from __future__ import annotations

import pytest

from audit import services as audit_services
from audit.models import AuditEvent, chain_key
from crm.records import services as record_services


@pytest.fixture
def history(tenant_a_admin, contacts_a):
    """A few sealed events in tenant A's chain: a creation and three updates."""
    record = record_services.record_create(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "Ada"})
    for name in ("Augusta", "Ada", "Countess"):
        record_services.record_update(actor=tenant_a_admin, record=record, values={"firstname": name})
    audit_services.events_seal(tenant=tenant_a_admin.tenant)  # the test's transaction never commits
    return list(AuditEvent.objects.filter(chain=chain_key(tenant_a_admin.tenant_id)).order_by("seq"))
