"""Property groups (HubSpot's), made from the free-text headings properties had; archived
properties and object types; a custom type's description, secondary display properties and associated types."""

import uuid

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


def _name_from(label, taken):
    # A copy of crm.schema.group_name_from_label as it was when this migration was written.
    base = "".join(ch for ch in label.lower() if ch.isascii() and ch.isalnum())[:60] or "group"
    if not base[0].isalpha():
        base = f"group{base}"[:60]
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def groups_from_headings(apps, schema_editor):
    PropertyDefinition = apps.get_model("crm", "PropertyDefinition")
    PropertyGroup = apps.get_model("crm", "PropertyGroup")
    headings = (
        PropertyDefinition.objects.exclude(group="")
        .values_list("tenant_id", "object_type_id", "group")
        .order_by("object_type_id", "position", "group")
    )
    seen, taken = set(), {}
    for tenant_id, object_type_id, label in headings:
        if (object_type_id, label) in seen:
            continue
        seen.add((object_type_id, label))
        names = taken.setdefault(object_type_id, set())
        name = _name_from(label, names)
        names.add(name)
        PropertyGroup.objects.create(
            tenant_id=tenant_id, object_type_id=object_type_id, name=name, label=label, position=len(names) - 1
        )


class Migration(migrations.Migration):
    dependencies = [("crm", "0007_record_archived_at")]

    operations = [
        migrations.CreateModel(
            name="PropertyGroup",
            fields=[
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                (
                    "name",
                    models.CharField(
                        max_length=63,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^[a-z][a-z0-9_]{0,62}$",
                                "Use lower-case letters, digits and underscores, starting with a letter (at most 63 "
                                "characters).",
                            )
                        ],
                    ),
                ),
                ("label", models.CharField(max_length=100)),
                ("position", models.PositiveIntegerField(default=100)),
                (
                    "object_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="property_groups", to="crm.objecttype"
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.tenant"
                    ),
                ),
            ],
            options={
                "ordering": ["object_type", "position", "label"],
                "constraints": [
                    models.UniqueConstraint(fields=("object_type", "name"), name="property_group_name_unique"),
                    models.UniqueConstraint(fields=("object_type", "label"), name="property_group_label_unique"),
                ],
            },
        ),
        migrations.AddField(
            model_name="propertydefinition",
            name="archived_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="objecttype",
            name="archived_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="objecttype",
            name="description",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.AddField(
            model_name="objecttype",
            name="secondary_display_properties",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="objecttype",
            name="associated_type_ids",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(groups_from_headings, migrations.RunPython.noop),
    ]
