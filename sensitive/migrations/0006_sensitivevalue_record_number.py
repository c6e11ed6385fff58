"""Each sensitive value carries its record's number, and the blind index's index is extended by it,
so that an equality filter over a range of numbers (a list build's chunk) is one index range scan."""

from django.db import migrations, models

BACKFILL_POSTGRESQL = """
UPDATE sensitive_sensitivevalue AS s SET record_number = r.number
FROM crm_record AS r WHERE r.id = s.record_id AND s.record_number IS NULL
"""
BACKFILL_SQLITE = """
UPDATE sensitive_sensitivevalue SET record_number = (
    SELECT number FROM crm_record WHERE crm_record.id = sensitive_sensitivevalue.record_id
) WHERE record_number IS NULL
"""


def backfill(apps, schema_editor):
    sql = BACKFILL_POSTGRESQL if schema_editor.connection.vendor == "postgresql" else BACKFILL_SQLITE
    schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("sensitive", "0005_blind_index_key_rotation"),
        ("crm", "0008_property_groups_and_archiving"),
    ]

    operations = [
        migrations.AddField(
            model_name="sensitivevalue",
            name="record_number",
            field=models.BigIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="sensitivevalue",
            name="record_number",
            field=models.BigIntegerField(editable=False),
        ),
        migrations.RemoveIndex(model_name="sensitivevalue", name="sensitive_blind_index_idx"),
        migrations.AddIndex(
            model_name="sensitivevalue",
            index=models.Index(fields=["property", "blind_index", "record_number"], name="sensitive_blind_number_idx"),
        ),
    ]
