"""Backup codes are stored salted and keyed: a copy of the table does not give them away."""

from __future__ import annotations

import hashlib
import importlib

from django.apps import apps

from accounts import mfa
from accounts.models import BackupCode


def _sha256(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").lower().encode()).hexdigest()


def test_backup_codes_are_not_stored_as_a_bare_hash(member_a):
    # when
    codes = mfa.backup_codes_create(user=member_a)

    # then: neither the code nor its plain SHA-256 is in the table, and no two rows share a salt
    stored = list(BackupCode.objects.filter(user=member_a).values_list("code_hash", flat=True))
    assert not {_sha256(code) for code in codes} & set(stored)
    assert not any(_sha256(code) in value or code.replace("-", "") in value for code in codes for value in stored)
    salts = {value.split("$")[1] for value in stored}
    assert len(salts) == len(stored) == len(codes)


def test_the_same_code_is_stored_differently_for_two_users(member_a, tenant_a_admin):
    # given: by chance, two users got the same code
    code = "abcde-fghjk"
    for user in (member_a, tenant_a_admin):
        mfa.backup_codes_create(user=user)
        BackupCode.objects.filter(user=user).delete()
        BackupCode.objects.create(user=user, code_hash=mfa.backup_code_hash(code))

    # then: the stored values differ, and each still verifies for its own user only once
    first, second = BackupCode.objects.values_list("code_hash", flat=True)
    assert first != second
    assert mfa.code_verify(user=member_a, code=code) == "backup"
    assert mfa.code_verify(user=member_a, code=code) is None
    assert mfa.code_verify(user=tenant_a_admin, code=code.upper()) == "backup"


def test_codes_stored_before_salting_are_rewrapped_and_still_work_once(member_a):
    # given: a code stored by the old scheme (a bare SHA-256)
    code = "mnpqr-stuvw"
    BackupCode.objects.create(user=member_a, code_hash=_sha256(code))

    # when: the migration runs
    migration = importlib.import_module("accounts.migrations.0005_backup_code_keyed_hash")
    migration.rewrap_bare_hashes(apps, None)

    # then: the bare hash is gone from the table, and the code works, once
    assert not BackupCode.objects.filter(code_hash=_sha256(code)).exists()
    assert mfa.code_verify(user=member_a, code=code) == "backup"
    assert mfa.code_verify(user=member_a, code=code) is None
