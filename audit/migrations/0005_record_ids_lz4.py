"""On PostgreSQL, compress the record ids of events with lz4 rather than pglz: a bulk read's event
lists thousands of ids, and pglz took a third of the time of writing the event. Servers built
without lz4 keep pglz."""

from django.db import migrations, transaction
from django.db.utils import DatabaseError


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("ALTER TABLE audit_auditevent ALTER COLUMN record_ids SET COMPRESSION lz4")
    except DatabaseError:
        pass  # this server has no lz4: the column keeps the default compression


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE audit_auditevent ALTER COLUMN record_ids SET COMPRESSION default")


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_record_index_gin")]

    operations = [migrations.RunPython(forwards, backwards)]
