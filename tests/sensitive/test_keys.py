import logging
from pathlib import Path

import pytest
import tink
from django.conf import settings
from tink import aead

from accounts import services as account_services
from sensitive import keys, selectors
from sensitive.models import TenantKeyset
from sensitive.readings import State
from tests.conftest import PASSWORD


def test_a_new_tenant_gets_wrapped_aes256_and_hmac_keysets(tenant_a):
    keyset = TenantKeyset.objects.get(tenant=tenant_a)
    master = keys.master_key()

    aead_handle = keys.unwrap(keyset.aead_keyset, tenant_a.pk, b"aead", master)
    prf_handle = keys.unwrap(keyset.prf_keyset, tenant_a.pk, b"prf", master)

    assert aead_handle.keyset_info().key_info[0].type_url.endswith("AesGcmKey")
    assert prf_handle.keyset_info().key_info[0].type_url.endswith("HmacPrfKey")
    assert keyset.kek_ref == master.ref


def test_a_wrapped_keyset_copied_to_another_tenant_does_not_unwrap(tenant_a, tenant_b_user):
    stolen = TenantKeyset.objects.get(tenant=tenant_a).aead_keyset

    with pytest.raises(keys.MasterKeyUnavailable, match="cannot unwrap"):
        keys.unwrap(stolen, tenant_b_user.tenant_id, b"aead", keys.master_key())


def test_the_master_key_file_is_created_with_mode_0600(db, settings, tmp_path):
    settings.SENSITIVE_MASTER_KEY_URI = f"file://{tmp_path}/keys/master.json"

    keys.master_key()

    path = tmp_path / "keys" / "master.json"
    assert path.stat().st_mode & 0o777 == 0o600
    assert "primaryKeyId" in path.read_text()


def test_a_missing_key_file_is_a_clear_error_not_a_new_key(rosalind, tenant_a_admin, settings, tmp_path, caplog):
    settings.SENSITIVE_MASTER_KEY_URI = f"file://{tmp_path}/gone.json"
    keys.forget_cached_keys()

    with pytest.raises(keys.MasterKeyUnavailable, match=r"is missing.*Restore the file"):
        keys.master_key()
    readings = selectors.values_read(actor=tenant_a_admin, records=[rosalind])[rosalind.pk]

    assert readings["annual_salary"].state == State.UNREADABLE
    assert not (tmp_path / "gone.json").exists()
    assert "91250" not in caplog.text


def test_a_wrong_master_key_gives_unreadable_values_and_a_logged_error(
    rosalind, tenant_a_admin, settings, tmp_path, caplog
):
    other = tmp_path / "other.json"
    keys.write_master_key_file(other, tink.new_keyset_handle(aead.aead_key_templates.AES256_GCM))
    settings.SENSITIVE_MASTER_KEY_URI = f"file://{other}"
    keys.forget_cached_keys()

    with caplog.at_level(logging.ERROR):
        readings = selectors.values_read(actor=tenant_a_admin, records=[rosalind])[rosalind.pk]

    assert readings["annual_salary"].state == State.UNREADABLE
    assert "cannot unwrap" in caplog.text or "wrapped by a master key file" in caplog.text
    key_text = Path(settings.SENSITIVE_MASTER_KEY_URI.removeprefix("file://")).read_text()
    assert key_text not in caplog.text and "91250" not in caplog.text


def test_an_unreachable_vault_is_a_clear_error(db, settings):
    settings.SENSITIVE_MASTER_KEY_URI = "hcvault://127.0.0.1:9/transit/keys/crm"

    with pytest.raises(keys.MasterKeyUnavailable, match=r"could not be reached|not installed"):
        master = keys.master_key()
        master.aead.encrypt(b"probe", b"")


@pytest.mark.parametrize("uri", ["aws-kms://arn:aws:kms:eu-west-1:111122223333:key/abc", "gcp-kms://projects/p/x"])
def test_a_cloud_kms_without_its_client_library_says_what_to_install(db, settings, uri):
    settings.SENSITIVE_MASTER_KEY_URI = uri

    with pytest.raises(keys.MasterKeyUnavailable) as error:
        keys.master_key().aead.encrypt(b"probe", b"")

    assert any(word in error.value.message for word in ("not installed", "could not be reached", "not usable"))


def test_an_unknown_scheme_is_refused(db, settings):
    settings.SENSITIVE_MASTER_KEY_URI = "ftp://nowhere/key"

    with pytest.raises(keys.MasterKeyUnavailable, match="must start with file://"):
        keys.master_key()


def test_a_tenant_whose_keys_cannot_be_made_is_not_created(db, settings, tmp_path):
    # given: wrapped keys exist, and the configured key file is missing
    account_services.tenant_create(name="Acme", admin_email="a@acme.test", admin_password=PASSWORD)
    settings.SENSITIVE_MASTER_KEY_URI = f"file://{tmp_path}/missing.json"
    keys.forget_cached_keys()

    with pytest.raises(keys.MasterKeyUnavailable):
        account_services.tenant_create(name="Beta", admin_email="b@beta.test", admin_password=PASSWORD)

    from accounts.models import Tenant

    assert not Tenant.objects.filter(name="Beta").exists()


def test_keysets_are_cached_and_a_new_version_is_seen_at_once(
    rosalind, tenant_a, tenant_a_admin, django_assert_num_queries
):
    keys.tenant_keys(tenant_a.pk)
    with django_assert_num_queries(1):  # only the version check
        keys.tenant_keys(tenant_a.pk)

    TenantKeyset.objects.filter(tenant=tenant_a).update(version=99)

    assert keys.tenant_keys(tenant_a.pk).version == 99


def test_tenant_keys_repr_shows_no_key_material(tenant_a):
    assert repr(keys.tenant_keys(tenant_a.pk)).startswith("TenantKeys(tenant=")
    assert settings.SENSITIVE_KEYSET_CACHE_SECONDS > 0
