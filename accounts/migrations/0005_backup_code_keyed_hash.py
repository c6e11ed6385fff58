"""Backup codes: from a bare SHA-256 to a salted HMAC keyed by the SECRET_KEY.

Stored codes are not lost: the new hash is an HMAC over the old SHA-256, so each old row is
re-wrapped in place, without the plaintext, and no bare hash is left in the table.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import migrations, models

# The same formula as accounts.mfa.backup_code_hash (frozen here; a test holds the two together).
KEY_SALT = "accounts.mfa.backup_code"
SCHEME = "hmac1"


def _wrap(inner: str) -> str:
    salt = secrets.token_hex(8)
    key = hashlib.sha256((KEY_SALT + settings.SECRET_KEY).encode()).digest()
    digest = hmac.new(key, f"{salt}${inner}".encode(), hashlib.sha256).hexdigest()
    return f"{SCHEME}${salt}${digest}"


def rewrap_bare_hashes(apps, schema_editor):
    BackupCode = apps.get_model("accounts", "BackupCode")
    for code in BackupCode.objects.exclude(code_hash__startswith=f"{SCHEME}$").only("pk", "code_hash").iterator():
        BackupCode.objects.filter(pk=code.pk).update(code_hash=_wrap(code.code_hash))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_session_generation"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="backupcode", name="backup_code_lookup_idx"),
        migrations.AlterField(model_name="backupcode", name="code_hash", field=models.CharField(max_length=128)),
        migrations.RunPython(rewrap_bare_hashes, migrations.RunPython.noop),
    ]
