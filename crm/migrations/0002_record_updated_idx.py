"""The (tenant, object type, updated, id) index of records, built without blocking writes on PostgreSQL.

A plain CREATE INDEX holds off every write to the records table while it builds: on a tenant with
millions of records, an upgrade would stop the CRM for that long. CONCURRENTLY does not, but cannot
run in a transaction, hence `atomic = False`.
"""

from django.conf import settings
from django.db import migrations, models

INDEX = models.Index(fields=["tenant", "object_type", "-updated_at", "-id"], name="record_updated_idx")


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS record_updated_idx "
            "ON crm_record (tenant_id, object_type_id, updated_at DESC, id DESC)"
        )
    else:
        schema_editor.add_index(apps.get_model("crm", "Record"), INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS record_updated_idx")
    else:
        schema_editor.remove_index(apps.get_model("crm", "Record"), INDEX)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0002_tenant_require_mfa_tenant_session_idle_minutes_and_more"),
        ("crm", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="record", index=INDEX)],
            database_operations=[migrations.RunPython(create, drop)],
        )
    ]
