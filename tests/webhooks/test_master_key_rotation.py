"""The master key's rotation seals the apps' webhook secrets again before it drops the old key: the
deliveries after it are still signed with the same secret."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from crm.records import api as records
from sensitive import keys
from tests.webhooks.conftest import signature_ok
from webhooks.models import WebhookSettings

pytestmark = pytest.mark.django_db(transaction=True)


def test_after_a_master_key_rotation_deliveries_are_signed_with_the_same_secret(hooked, tenant_a_admin, contacts_a):
    app, _, secret, url, handler = hooked
    path = Path(settings.SENSITIVE_MASTER_KEY_URI.removeprefix("file://"))
    sealed_before = bytes(WebhookSettings.objects.get(app=app).secret_sealed)

    call_command("rotate_master_key", verbosity=0)
    keys.forget_cached_keys()

    master = json.loads(path.read_text())
    found = WebhookSettings.objects.get(app=app)
    assert len(master["key"]) == 1 and found.secret_ref == f"file:{master['primaryKeyId']}"
    assert bytes(found.secret_sealed) != sealed_before and secret.encode() not in bytes(found.secret_sealed)
    records.record_write(actor=tenant_a_admin, object_type=contacts_a, values={"firstname": "After"})
    (_, headers, body), *_ = handler.seen
    assert signature_ok(url, headers, body, secret)
