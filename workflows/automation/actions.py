"""What each kind of step does to one record, as the workflow's author (its last saver), through the
record layer. An action returns what it did (names and numbers only) or raises StepFailed, whose
message names the step's rule or the endpoint's answer, never a value.

The save-time rules (rules.py) are checked again here where a property may have changed since: a
placeholder's property that has become sensitive is refused, not filled in.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.outbound import signed_post
from crm.models import PropertyDefinition, Record
from crm.records import selectors as record_selectors
from crm.records.api import record_views, record_write, records_write_many
from crm.records.filters.stored import FilterValueUnreadable, query_open
from workflows import services as list_services
from workflows.automation.definition import PLACEHOLDER, is_copy, placeholders, sources_of
from workflows.automation.services import literal_open
from workflows.models import List, ListMembership, Workflow, WorkflowTask

HOLDER = "workflow"


class StepFailed(Exception):
    """A step that can't be done: `retry` when trying again later may help (an endpoint's 500)."""

    def __init__(self, message: str, *, retry: bool = False) -> None:
        super().__init__(message)
        self.message, self.retry = message[:255], retry


@dataclass
class Done:
    outcome: str
    goto: int | None = None  # the next step's index, when not the following one


def _messages(exc: Exception) -> str:
    return " ".join(getattr(exc, "messages", None) or [str(exc)])


def _views_of(workflow: Workflow, records: list[Record], names: list[str]) -> dict:
    """{record id: its view of `names`} for the workflow's author; a record they may no longer see
    is missing."""
    views = record_views(actor=workflow.created_by, records=records, properties=names, purpose="workflow")
    return {view.record.pk: view for view in views}


def _plain_values_many(workflow: Workflow, records: list[Record], names: list[str]) -> dict:
    """{record id: its values of `names` (all of which must be non-sensitive now), or StepFailed}."""
    if not names:
        return {record.pk: {} for record in records}
    views = _views_of(workflow, records, names)
    found = {}
    for record in records:
        view = views.get(record.pk)
        became = next((name for name in names if name in view.readings), None) if view is not None else None
        if view is None:
            found[record.pk] = StepFailed("The workflow's author may no longer see this record.")
        elif became is not None:
            found[record.pk] = StepFailed(
                f"{became} has become sensitive since the workflow was saved; save the workflow again."
            )
        else:
            found[record.pk] = view.values
    return found


def plain_values(workflow: Workflow, record: Record, names: list[str]) -> dict:
    """The record's values of `names`, all of which must be non-sensitive now."""
    found = _plain_values_many(workflow, [record], names)[record.pk]
    if isinstance(found, StepFailed):
        raise found
    return found


def _render(text: str, values: dict) -> str:
    return PLACEHOLDER.sub(lambda m: "" if values.get(m.group(1)) is None else str(values[m.group(1)]), text or "")


def conditions_met(workflow: Workflow, records, stored: dict) -> set:
    """Ids of `records` (a queryset) that meet the stored filter, for the workflow's author."""
    if not stored.get("filterGroups"):
        return set(records.values_list("pk", flat=True))
    numbers = list(records.values_list("number", flat=True))
    if not numbers:
        return set()
    try:
        query = query_open(object_type=workflow.object_type, stored=stored, holder=HOLDER, holder_id=workflow.pk)
        found = record_selectors.record_list(
            actor=workflow.created_by,
            object_type=workflow.object_type,
            filters=query,
            purpose="workflow",
            numbers=(min(numbers), max(numbers)),
        )
        return set(found.filter(pk__in=records.values("pk")).values_list("pk", flat=True))
    except (ValidationError, PermissionDenied, FilterValueUnreadable) as exc:
        raise StepFailed(f"The condition can't be evaluated: {_messages(exc)}") from None


def _copied_values(workflow: Workflow, records: list[Record], action: dict) -> dict:
    name, source = action["property"], placeholders(action["value"])[0]
    views = _views_of(workflow, records, [source])
    target = PropertyDefinition.objects.filter(object_type=workflow.object_type, name=name).first()
    found = {}
    for record in records:
        view = views.get(record.pk)
        reading = view.readings.get(source) if view is not None else None
        if view is None:
            found[record.pk] = StepFailed("The workflow's author may no longer see this record.")
        elif reading is not None and (target is None or not target.is_sensitive):
            # The source became sensitive after the workflow was saved: the copy rule holds at run time too.
            found[record.pk] = StepFailed(f"{source} is sensitive and {name} is not, so its value is not copied there.")
        elif reading is None:
            found[record.pk] = view.values.get(source)
        elif reading.is_value:
            found[record.pk] = reading.value
        else:
            found[record.pk] = StepFailed(f"The workflow's author may no longer view {source}; nothing was copied.")
    return found


def _values_to_set(workflow: Workflow, records: list[Record], action: dict) -> dict:
    """{record id: the value a set_property step writes to it, or StepFailed}."""
    if is_copy(action):
        return _copied_values(workflow, records, action)
    value = action.get("value")
    if "sealed" in action:
        try:
            value = literal_open(workflow, action)
        except FilterValueUnreadable:
            failed = StepFailed("The step's value can no longer be decrypted (its key was shredded).")
            return {record.pk: failed for record in records}
    if not (isinstance(value, str) and placeholders(value)):
        return {record.pk: value for record in records}
    found = _plain_values_many(workflow, records, placeholders(value))
    return {pk: v if isinstance(v, StepFailed) else _render(value, v) for pk, v in found.items()}


def _write_one(workflow: Workflow, record: Record, name: str, value) -> Done:
    try:
        record_write(actor=workflow.created_by, record=record, values={name: value})
    except ValidationError as exc:
        raise StepFailed(f"{name}: {_messages(exc)}") from None
    except Record.DoesNotExist:
        raise StepFailed("The workflow's author may no longer change this record.") from None
    return Done(f"Set {name}")


def _set_property(workflow: Workflow, record: Record, action: dict) -> Done:
    value = _values_to_set(workflow, [record], action)[record.pk]
    if isinstance(value, StepFailed):
        raise value
    return _write_one(workflow, record, action["property"], value)


def _set_property_many(workflow: Workflow, records: list[Record], action: dict) -> dict:
    """One bulk write for the batch; if the record layer refuses it (a value invalid for one record,
    a record no longer editable), each record is written alone and gets its own outcome."""
    name = action["property"]
    values = _values_to_set(workflow, records, action)
    results = {pk: value for pk, value in values.items() if isinstance(value, StepFailed)}
    ready = [record for record in records if record.pk not in results]
    try:
        with transaction.atomic():
            records_write_many(
                actor=workflow.created_by,
                object_type=workflow.object_type,
                records=ready,
                values=[{name: values[record.pk]} for record in ready],
            )
    except (ValidationError, Record.DoesNotExist):
        results.update(_one_by_one(lambda record: _write_one(workflow, record, name, values[record.pk]), ready))
    else:
        results.update({record.pk: Done(f"Set {name}") for record in ready})
    return results


def _owner(workflow: Workflow, record: Record, who: str) -> User | None:
    if who == "record_owner":
        return record.owner
    return User.objects.filter(tenant_id=workflow.tenant_id, email__iexact=who, is_active=True).first()


def _create_task(workflow: Workflow, record: Record, action: dict) -> Done:
    owner = _owner(workflow, record, action.get("owner", "record_owner"))
    title = _render(action["title"], plain_values(workflow, record, placeholders(action["title"])))
    days = action.get("due_in_days", 0)
    WorkflowTask.objects.create(
        tenant_id=workflow.tenant_id,
        workflow=workflow,
        record=record,
        owner=owner,
        title=title[:255],
        due_on=timezone.localdate() + dt.timedelta(days=days) if days else None,
    )
    return Done(f"Created a task for {owner.email if owner else 'nobody (the record has no owner)'}"[:255])


def _notify(workflow: Workflow, record: Record, action: dict) -> Done:
    to = action.get("to", "record_owner")
    people = [_owner(workflow, record, who) for who in (["record_owner"] if to == "record_owner" else to)]
    recipients = sorted({person.email for person in people if person is not None})
    if not recipients:
        raise StepFailed("No recipient: the record has no owner, or the users are no longer active.")
    values = plain_values(workflow, record, sources_of(action))
    send_mail(
        _render(action["subject"], values)[:255],
        _render(action.get("body", ""), values),
        settings.DEFAULT_FROM_EMAIL,
        recipients,
    )
    return Done(f"Emailed {len(recipients)} user(s)")


def _list(workflow: Workflow, record: Record, action: dict) -> Done:
    the_list = List.objects.filter(tenant_id=workflow.tenant_id, number=action["list"]).first()
    if the_list is None:
        raise StepFailed(f"List {action['list']} no longer exists.")
    try:
        if action["type"] == "list_add":
            changed = list_services.list_members_add(
                actor=workflow.created_by, the_list=the_list, records=[record], source=ListMembership.Source.WORKFLOW
            )
            return Done(f"Added to list {the_list.number}" if changed else f"Already in list {the_list.number}")
        changed = list_services.list_members_remove(actor=workflow.created_by, the_list=the_list, records=[record])
    except ValidationError as exc:
        raise StepFailed(_messages(exc)) from None
    return Done(f"Removed from list {the_list.number}" if changed else f"Not in list {the_list.number}")


def _branch_many(workflow: Workflow, records: list[Record], action: dict) -> dict:
    try:
        met = conditions_met(
            workflow, Record.objects.filter(pk__in=[r.pk for r in records]), action.get("conditions", {})
        )
    except StepFailed as failed:
        return {record.pk: failed for record in records}
    otherwise = Done(f"Condition not met: on to step {action['else_step']}", goto=action["else_step"] - 1)
    return {record.pk: Done("Condition met") if record.pk in met else otherwise for record in records}


def _webhook(workflow: Workflow, record: Record, action: dict) -> Done:
    names = list(action.get("properties", []))
    body = {
        "workflowId": workflow.number,
        "objectType": workflow.object_type.name,
        "objectId": record.number,
        "properties": {name: value for name, value in plain_values(workflow, record, names).items() if name in names},
    }
    delivery = signed_post(
        url=action["url"], body=json.dumps(body, default=str).encode(), secret=workflow.webhook_secret
    )
    if not delivery.ok:
        # 4xx other than 408/429 won't heal by itself; a 5xx, a timeout or no answer might.
        retry = delivery.status == 0 or delivery.status >= 500 or delivery.status in (408, 429)
        raise StepFailed(delivery.error or f"The endpoint answered {delivery.status}.", retry=retry)
    return Done(f"The endpoint answered {delivery.status}")


RUN = {
    "set_property": _set_property,
    "create_task": _create_task,
    "notify": _notify,
    "list_add": _list,
    "list_remove": _list,
    "webhook": _webhook,
}


def _one_by_one(run, records: list[Record]) -> dict:
    """{record id: Done or StepFailed}, each record's action in a savepoint of its own."""
    results = {}
    for record in records:
        try:
            with transaction.atomic():
                results[record.pk] = run(record)
        except StepFailed as failed:
            results[record.pk] = failed
    return results


def actions_run(workflow: Workflow, records: list[Record], action: dict) -> dict:
    """Runs one step's action for a batch of records: {record id: Done or StepFailed}. Set-property
    and branch steps take the batch at once; the others go record by record."""
    if action["type"] == "branch":
        return _branch_many(workflow, records, action)
    if action["type"] == "set_property" and len(records) > 1:
        return _set_property_many(workflow, records, action)
    return _one_by_one(lambda record: RUN[action["type"]](workflow, record, action), records)
