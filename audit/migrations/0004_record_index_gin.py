"""On PostgreSQL, "which events concern this record" becomes a GIN index over the record ids in
each event; the per-record AuditEventRecord rows stay for SQLite only (see audit/record_index.py)."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_record_uuids(record_ids jsonb) RETURNS uuid[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT coalesce(array(SELECT jsonb_array_elements_text(record_ids)::uuid), '{}') $$
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    schema_editor.execute(
        "CREATE INDEX audit_event_record_uuids_idx ON audit_auditevent USING gin (audit_record_uuids(record_ids))"
    )
    # Derived rows, now held by the index above.
    schema_editor.execute("TRUNCATE audit_auditeventrecord")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "INSERT INTO audit_auditeventrecord (event_id, record_id) "
        "SELECT id, unnest(audit_record_uuids(record_ids)) FROM audit_auditevent"
    )
    schema_editor.execute("DROP INDEX audit_event_record_uuids_idx")
    schema_editor.execute("DROP FUNCTION audit_record_uuids(jsonb)")


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_alter_auditeventrecord_event")]

    operations = [migrations.RunPython(forwards, backwards)]
