"""Records can be archived (HubSpot's soft delete); the REST API pages records by number."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("crm", "0006_propertydefinition_has_unique_value")]

    operations = [
        migrations.AddField(
            model_name="record",
            name="archived_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="record",
            index=models.Index(fields=["tenant", "object_type", "number"], name="record_number_idx"),
        ),
    ]
