"""A platform operator's view-only record page shows no value that is waiting to become ciphertext."""

from __future__ import annotations

from django.urls import reverse

from crm.models import PropertyDefinition
from tests.factories import make_property, make_record


def test_an_operator_sees_no_value_of_a_property_just_made_sensitive(client, operator, tenant_a_admin, contacts_a):
    # given: a value in the JSON of a property raised to highly sensitive, its move not done yet
    nickname = make_property(tenant_a_admin, contacts_a, "nickname")
    record = make_record(tenant_a_admin, contacts_a, firstname="Pat", nickname="Zebulon-canary")
    PropertyDefinition.objects.filter(pk=nickname.pk).update(
        sensitivity=PropertyDefinition.Sensitivity.HIGHLY_SENSITIVE, values_moving=True
    )
    client.force_login(operator)

    # when
    response = client.get(reverse("admin:crm_record_change", args=[record.pk]))

    # then: the page opens, with the plain values and without the waiting one
    page = response.content.decode()
    assert response.status_code == 200
    assert "Pat" in page
    assert "Zebulon-canary" not in page
