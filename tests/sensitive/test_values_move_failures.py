"""A background move of values that fails: retried with backoff, recorded when it gives up, resumed by the sweep.

The failures are real: a PostgreSQL trigger refuses the inserts of new ciphertext rows, once or until dropped.
"""

import os

import pytest
from django.db import connection

from audit.models import AuditEvent
from crm.models import PropertyDefinition, Record
from crm.records import services as record_services
from sensitive import selectors
from sensitive.models import SensitiveValue
from sensitive.sensitivity import property_sensitivity_change
from sensitive.tasks import property_values_encrypt_task, property_values_moves_resume_task
from tests.sensitive.test_worker import BROKER, broker, worker_run_until_moved  # noqa: F401

PHONE = "+44 20 7946 0777"
ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith("postgres")
pytestmark = pytest.mark.skipif(not ON_POSTGRESQL, reason="the failures come from a PostgreSQL trigger")


def _refuse_new_ciphertext(*, times: int | None) -> None:
    """A trigger that makes inserting SensitiveValue rows fail: the first `times` statements, or every one.

    A sequence counts the attempts because it is not transactional: the failed statement's rollback keeps it.
    """
    table = SensitiveValue._meta.db_table
    limit = "TRUE" if times is None else f"nextval('test_refusals') <= {int(times)}"
    with connection.cursor() as cursor:
        cursor.execute("CREATE SEQUENCE IF NOT EXISTS test_refusals")
        cursor.execute(
            "CREATE OR REPLACE FUNCTION test_refuse_insert() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF {limit} THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NULL; END $$"
        )
        # Per statement, so that `times` counts attempts, not rows.
        cursor.execute(
            f"CREATE TRIGGER test_refuse BEFORE INSERT ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION test_refuse_insert()"
        )


def _allow_new_ciphertext() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER IF EXISTS test_refuse ON {SensitiveValue._meta.db_table}")
        cursor.execute("DROP FUNCTION IF EXISTS test_refuse_insert()")
        cursor.execute("DROP SEQUENCE IF EXISTS test_refusals")


@pytest.fixture
def refusals():
    yield _refuse_new_ciphertext
    _allow_new_ciphertext()


@pytest.fixture
def phone_numbers(tenant_a_admin, contacts_a):
    return [
        record_services.record_create(
            actor=tenant_a_admin, object_type=contacts_a, values={"firstname": f"P{i}", "phone": PHONE}
        )
        for i in range(3)
    ]


def _moved(tenant_a_admin, records, phone) -> bool:
    readings = selectors.values_read(actor=tenant_a_admin, records=records)
    return (
        SensitiveValue.objects.filter(property=phone).count() == len(records)
        and not Record.objects.filter(properties__has_key="phone").exists()
        and {readings[r.pk]["phone"].value for r in records} == {PHONE}
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not BROKER.startswith("redis://"), reason="needs CELERY_BROKER_URL=redis://... (CI sets it)")
def test_a_move_that_fails_once_is_retried_by_the_worker_and_finishes(
    tenant_a_admin, contacts_a, phone_numbers, broker, refusals
):
    # given: the database refuses the first insert of ciphertext
    phone = PropertyDefinition.objects.get(object_type=contacts_a, name="phone")
    refusals(times=1)

    # when: the property is raised and a worker runs the move
    property_sensitivity_change(actor=tenant_a_admin, definition=phone, sensitivity="sensitive")
    output = worker_run_until_moved(phone)

    # then: the first attempt failed, a retry moved everything, and nothing was recorded as failed
    assert "refused by the test" in output and "Retry in" in output, output[-3000:]
    assert not phone.values_moving and phone.values_move_failed_at is None, output[-3000:]
    assert _moved(tenant_a_admin, phone_numbers, phone)
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.VALUES_MOVE_FAILED).exists()
    assert PHONE not in output


def test_a_move_that_gives_up_is_recorded_and_the_sweep_resumes_it(
    tenant_a_admin, contacts_a, phone_numbers, refusals, django_capture_on_commit_callbacks
):
    # given: the property was raised; the database refuses every insert of ciphertext
    phone = PropertyDefinition.objects.get(object_type=contacts_a, name="phone")
    with django_capture_on_commit_callbacks(execute=False):
        property_sensitivity_change(actor=tenant_a_admin, definition=phone, sensitivity="sensitive")
    refusals(times=None)

    # when: the last attempt the task is allowed fails
    result = property_values_encrypt_task.apply(
        args=[str(phone.pk)], retries=property_values_encrypt_task.max_retries, throw=False
    )

    # then: the property says so, a security event names it (not the value), and changes wait for the move
    assert result.failed()
    phone.refresh_from_db()
    assert phone.values_moving and phone.values_move_failed_at is not None
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.VALUES_MOVE_FAILED)
    assert event.property_names == ["phone"] and event.tenant_id == tenant_a_admin.tenant_id
    assert PHONE not in str(event.details) and "refused by the test" not in str(event.details)
    with pytest.raises(Exception, match="failed"):
        property_sensitivity_change(actor=tenant_a_admin, definition=phone, sensitivity="none")

    # when: the cause is fixed and the periodic sweep runs
    _allow_new_ciphertext()
    with django_capture_on_commit_callbacks(execute=True):
        property_values_moves_resume_task.apply(throw=True)

    # then: the move finished
    phone.refresh_from_db()
    assert not phone.values_moving and phone.values_move_failed_at is None
    assert _moved(tenant_a_admin, phone_numbers, phone)
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.VALUES_MOVE_RESUMED, property_names=["phone"]).exists()


def test_the_sweep_leaves_a_move_that_is_making_progress_alone(
    tenant_a_admin, contacts_a, phone_numbers, django_capture_on_commit_callbacks
):
    # given: a raise whose move was queued a moment ago
    phone = PropertyDefinition.objects.get(object_type=contacts_a, name="phone")
    with django_capture_on_commit_callbacks(execute=False):
        property_sensitivity_change(actor=tenant_a_admin, definition=phone, sensitivity="sensitive")

    # when
    with django_capture_on_commit_callbacks(execute=True) as queued:
        property_values_moves_resume_task.apply(throw=True)

    # then: nothing queued twice
    assert queued == []
    phone.refresh_from_db()
    assert phone.values_moving
