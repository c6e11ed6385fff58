"""Every record gets a numeric id from one database sequence (the REST API's `id`, as HubSpot's)."""

from django.db import migrations, models

SEQUENCE = "crm_record_number_seq"


def create_sequence_and_number(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} AS bigint")
            cursor.execute(
                f"UPDATE crm_record SET number = numbered.n FROM ("
                f"  SELECT id, nextval('{SEQUENCE}') AS n FROM "
                f"  (SELECT id FROM crm_record ORDER BY created_at, id) ordered"
                f") numbered WHERE crm_record.id = numbered.id"
            )
        else:
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {SEQUENCE} (last bigint NOT NULL)")
            cursor.execute(f"INSERT INTO {SEQUENCE} (last) VALUES (0)")
            ids = [row[0] for row in cursor.execute("SELECT id FROM crm_record ORDER BY created_at, id").fetchall()]
            for number, record_id in enumerate(ids, start=1):
                cursor.execute("UPDATE crm_record SET number = %s WHERE id = %s", [number, record_id])
            cursor.execute(f"UPDATE {SEQUENCE} SET last = %s", [len(ids)])


def drop_sequence(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")
        else:
            cursor.execute(f"DROP TABLE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [("crm", "0003_property_values_move_state")]

    operations = [
        migrations.AddField(
            model_name="record",
            name="number",
            field=models.BigIntegerField(null=True, editable=False),
        ),
        migrations.RunPython(create_sequence_and_number, drop_sequence),
        migrations.AlterField(
            model_name="record",
            name="number",
            field=models.BigIntegerField(unique=True, editable=False),
        ),
    ]
