"""HubSpot's objectTypeId for each object type, which the REST API accepts in place of the name."""

from django.db import migrations, models

STANDARD = {"contacts": "0-1", "companies": "0-2", "deals": "0-3", "tickets": "0-5"}


def fill(apps, schema_editor):
    from core.numbers import numbers_next

    ObjectType = apps.get_model("crm", "ObjectType")
    for object_type in ObjectType.objects.filter(type_id=""):
        standard = STANDARD.get(object_type.name) if object_type.is_standard else None
        object_type.type_id = standard or f"2-{numbers_next(1)[0]}"
        object_type.save(update_fields=["type_id"])


class Migration(migrations.Migration):
    dependencies = [("crm", "0004_record_number")]

    operations = [
        migrations.AddField(
            model_name="objecttype",
            name="type_id",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=24),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
