"""The rules a workflow is held to when it is saved: its properties exist and none is highly
sensitive; no sensitive value is copied where it would be less protected; its lists, owners and
webhook addresses are valid; and it does not trigger itself through a chain of workflows.

The copy rule (ARCHITECTURE.md rule 8, "workflows"): an action may put a sensitive property's value
only into a sensitive property, and only when the author may view it. A notification email, a
task's title and a webhook body are never sensitive destinations, so they take no sensitive value.
Messages name the step and the property, never a value.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from accounts.models import User
from core.outbound import url_check
from crm.models import ObjectType, PropertyDefinition
from crm.records.api import properties_not_writable
from crm.selectors import property_definitions_by_name
from sensitive.permissions import PropertyAccess
from workflows.automation.definition import is_copy, label, sources_of, step_name
from workflows.models import List, Workflow

NEVER_SENSITIVE = {"notify": "a notification email", "create_task": "a task's title", "webhook": "a webhook body"}
BUILT_IN = {"id", "number", "owner", "created_at", "updated_at"}


class Checker:
    """Collects the messages of one save; `definitions` by name, of the workflow's type."""

    def __init__(self, actor: User, object_type: ObjectType) -> None:
        self.actor, self.object_type = actor, object_type
        self.definitions = property_definitions_by_name(object_type=object_type)
        self.access = PropertyAccess(actor)
        self.errors: list[str] = []

    def definition(self, where: str, name: str) -> PropertyDefinition | None:
        """The property, or None with a message when it is missing or highly sensitive."""
        definition = self.definitions.get(name)
        if definition is None:
            self.errors.append(f"{where}: there is no property {name!r} of {self.object_type.label_plural}.")
            return None
        if definition.is_highly_sensitive:
            self.errors.append(
                f"{where}: {label(definition)} is highly sensitive: highly sensitive properties can't be used "
                "in workflows."
            )
            return None
        return definition

    def trigger(self, kind: str, config: dict) -> None:
        where = "Trigger"
        if kind in (Workflow.Trigger.CHANGED, Workflow.Trigger.DATE):
            definition = self.definition(where, str(config.get("property", "")))
            if definition is not None and definition.is_sensitive and not self.access.can_view(definition):
                self.errors.append(
                    f"{where}: you may not view {label(definition)}, so a workflow of yours can't use it."
                )
            if kind == Workflow.Trigger.DATE and definition is not None:
                if definition.data_type not in (PropertyDefinition.DataType.DATE, PropertyDefinition.DataType.DATETIME):
                    self.errors.append(f"{where}: {label(definition)} is not a date property.")
        if kind == Workflow.Trigger.LIST_ADDED:
            self.static_list(where, config.get("list"))

    def static_list(self, where: str, number) -> None:
        found = List.objects.for_tenant(self.actor.tenant_id).filter(number=number).first()
        if found is None or found.object_type_id != self.object_type.pk:
            self.errors.append(f"{where}: there is no list {number} of {self.object_type.label_plural}.")
        elif found.kind != List.Kind.STATIC:
            self.errors.append(f"{where}: list {number} is an active list; a workflow adds to static lists only.")

    def action(self, index: int, action: dict) -> None:
        where, kind = step_name(index, action), action["type"]
        for name in sources_of(action):
            source = self.definition(where, name)
            if source is None or not source.is_sensitive:
                continue
            if kind in NEVER_SENSITIVE:
                self.errors.append(
                    f"{where}: {label(source)} is sensitive and {NEVER_SENSITIVE[kind]} is not a sensitive "
                    "destination, so its value can't be put there."
                )
            elif not self.access.can_view(source):
                self.errors.append(f"{where}: you may not view {label(source)}, so a workflow of yours can't copy it.")
        if kind == "set_property":
            self.set_property(where, action)
        elif kind in ("list_add", "list_remove"):
            self.static_list(where, action["list"])
        elif kind == "create_task":
            self.owner(where, action.get("owner", "record_owner"))
        elif kind == "notify" and action.get("to", "record_owner") != "record_owner":
            for email in action["to"]:
                self.owner(where, email)
        elif kind == "webhook":
            try:
                url_check(action["url"])
            except ValidationError as exc:
                self.errors.append(f"{where}: {exc.messages[0]}")

    def set_property(self, where: str, action: dict) -> None:
        target = self.definition(where, action["property"])
        if target is None:
            return
        sources = [self.definitions[n] for n in sources_of(action) if n in self.definitions]
        for source in sources:
            if source.is_sensitive and not target.is_sensitive:
                self.errors.append(
                    f"{where}: {label(source)} is sensitive and {label(target)} is not, so the workflow can't "
                    "copy its value there."
                )
        if target.is_sensitive:
            if sources and not is_copy(action):
                self.errors.append(
                    f"{where}: {label(target)} is sensitive: set it to a value or to one property ({{{{name}}}}), "
                    "not to a text with placeholders."
                )
            if properties_not_writable(actor=self.actor, object_type=self.object_type, names=[target.name]):
                self.errors.append(f"{where}: you may not edit {label(target)}, so a workflow of yours can't set it.")

    def owner(self, where: str, who: str) -> None:
        if who == "record_owner":
            return
        if not User.objects.filter(tenant_id=self.actor.tenant_id, email__iexact=who, is_active=True).exists():
            self.errors.append(f"{where}: there is no active user {who[:80]!r} in this account.")


def _listens(workflow: Workflow) -> set[tuple[str, str]]:
    config = workflow.trigger_config or {}
    if workflow.trigger == Workflow.Trigger.CHANGED:
        return {("property", str(config.get("property")))}
    if workflow.trigger == Workflow.Trigger.LIST_ADDED:
        return {("list", str(config.get("list")))}
    return set()


def _produces(workflow: Workflow) -> set[tuple[str, str]]:
    made = set()
    for action in workflow.actions or []:
        if action.get("type") == "set_property":
            made.add(("property", str(action.get("property"))))
        elif action.get("type") == "list_add":
            made.add(("list", str(action.get("list"))))
    return made


def _what(event: tuple[str, str]) -> str:
    return f"sets {event[1]}" if event[0] == "property" else f"adds to list {event[1]}"


def loop_find(workflow: Workflow) -> str:
    """A message naming the chain by which the (unsaved) workflow would trigger itself, or ""."""
    if not workflow.enabled:
        return ""
    others = Workflow.objects.filter(tenant_id=workflow.tenant_id, object_type_id=workflow.object_type_id, enabled=True)
    graph = {w.pk: w for w in others.exclude(pk=workflow.pk)}
    graph[workflow.pk] = workflow

    def paths(current: Workflow, seen: list[str], visited: set) -> list[str] | None:
        for other in graph.values():
            hit = _produces(current) & _listens(other)
            if not hit:
                continue
            step = f"{current.name!r} {_what(sorted(hit)[0])}, which triggers {other.name!r}"
            if other.pk == workflow.pk:
                return [*seen, step]
            if other.pk not in visited:
                found = paths(other, [*seen, step], visited | {other.pk})
                if found:
                    return found
        return None

    found = paths(workflow, [], {workflow.pk})
    if not found:
        return ""
    return "This workflow would trigger itself without end: " + "; ".join(found) + "."
