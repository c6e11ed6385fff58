"""A count grouped by a searchable sensitive enumeration is counted off the blind index in SQL,
nothing decrypted, with the same figures, permission and audit event as the decrypting path."""

import pytest

from audit.models import AuditEvent
from crm.records.selectors import record_list
from reports import selectors
from sensitive.aggregates import option_counts
from sensitive.matching import FilterRefused
from tests.reports.conftest import make_report

pytestmark = pytest.mark.django_db

EXPECTED = {("Calm", ""): 5, ("Tense", ""): 2, ("(no value)", ""): 1}


def _counts(actor, report):
    result = selectors.report_run(viewer=actor, report=report)
    return {(row.group, row.bucket): row.count for row in result.rows}


def test_a_count_by_a_searchable_sensitive_enumeration_decrypts_nothing(tenant_a_admin, contacts_a, crowd, decryptions):
    report = make_report(tenant_a_admin, contacts_a, group_by="mood")

    assert _counts(tenant_a_admin, report) == EXPECTED
    assert decryptions == []
    read = AuditEvent.objects.filter(kind=AuditEvent.Kind.SENSITIVE_READ, property_names=["mood"]).latest("id")
    assert read.details["counted_by"] == "blind index" and read.details["purpose"] == "report"


def test_options_sharing_a_blind_index_are_decrypted_instead(tenant_a_admin, contacts_a, crowd, decryptions, settings):
    settings.SENSITIVE_BLIND_INDEX_BITS = 0  # every value's index is 0: the index tells no option apart
    report = make_report(tenant_a_admin, contacts_a, group_by="mood")

    assert _counts(tenant_a_admin, report) == EXPECTED
    assert sum(decryptions) == 7


def test_the_blind_count_needs_the_view_grant(tenant_a_admin, contacts_a, crowd, mood, member_a, granted):
    records = record_list(actor=tenant_a_admin, object_type=contacts_a)

    assert option_counts(actor=granted, definition=mood, records=records) == {"calm": 5, "tense": 2}
    with pytest.raises(FilterRefused):
        option_counts(actor=member_a, definition=mood, records=records)
