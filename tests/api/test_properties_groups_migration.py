"""crm 0008: the free-text headings properties had become property groups, one per heading and object type."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("crm", "0007_record_archived_at")]
AFTER = [("crm", "0008_property_groups_and_archiving")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_each_heading_of_each_object_type_becomes_a_group():
    # given properties with headings, as the staff UI made them before groups existed
    apps = _migrate(BEFORE)
    try:
        tenant = apps.get_model("accounts", "Tenant").objects.create(name="Oldco")
        ObjectType = apps.get_model("crm", "ObjectType")
        PropertyDefinition = apps.get_model("crm", "PropertyDefinition")
        people = ObjectType.objects.create(
            tenant=tenant, name="people", label_singular="Person", label_plural="People", type_id="2-901"
        )
        boats = ObjectType.objects.create(
            tenant=tenant, name="boats", label_singular="Boat", label_plural="Boats", type_id="2-902"
        )
        for object_type, name, group in [
            (people, "a", "Contact information"),
            (people, "b", "Contact information"),
            (people, "c", "Contact-Information"),
            (people, "d", "2024 figures"),
            (people, "e", ""),
            (boats, "a", "Contact information"),
        ]:
            PropertyDefinition.objects.create(
                tenant=tenant, object_type=object_type, name=name, label=name, group=group
            )

        # when
        apps = _migrate(AFTER)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    # then
    PropertyGroup = apps.get_model("crm", "PropertyGroup")
    groups = sorted(PropertyGroup.objects.values_list("object_type__name", "name", "label"))
    assert groups == [
        ("boats", "contactinformation", "Contact information"),
        ("people", "contactinformation", "Contact information"),
        ("people", "contactinformation_2", "Contact-Information"),
        ("people", "group2024figures", "2024 figures"),
    ]
