"""Properties of an object type: the list, creating one, editing one; and the lookups the property screens share.

Ids of another tenant's object types or properties are 404, looked up inside the actor's tenant only.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.decorators import super_admin_required
from accounts.models import User
from core.forms import add_errors
from crm import schema, selectors, services
from crm.models import ObjectType, PropertyDefinition
from crm.ui.settings.forms import PropertyCreateForm, PropertyEditForm
from sensitive import grants

DataType = PropertyDefinition.DataType


def object_type_or_404(actor: User, type_name: str) -> ObjectType:
    try:
        return selectors.object_type_get(actor=actor, name=type_name)
    except ObjectType.DoesNotExist:
        raise Http404("No such object type.") from None


def property_or_404(actor: User, type_name: str, name: str) -> PropertyDefinition:
    object_type = object_type_or_404(actor, type_name)
    definition = selectors.property_definitions(object_type=object_type).filter(name=name).first()
    if definition is None:
        raise Http404("No such property.")
    return definition


def _access_counts(actor: User, definitions) -> dict:
    """How many people can see each sensitive property (a person with two grants counts once)."""
    return {
        definition.pk: len({line.user.pk for line in grants.property_access_list(actor=actor, definition=definition)})
        for definition in definitions
        if definition.is_sensitive
    }


@super_admin_required
def property_list(request: HttpRequest, type_name: str | None = None) -> HttpResponse:
    object_types = list(selectors.object_type_list(actor=request.user))
    if type_name is None:
        if not object_types:
            raise Http404("No object types.")
        return redirect("settings_property_list", type_name=object_types[0].name)
    object_type = object_type_or_404(request.user, type_name)
    definitions = list(selectors.property_definitions(object_type=object_type))
    counts = _access_counts(request.user, definitions)
    return render(
        request,
        "settings/property_list.html",
        {
            "section": "properties",
            "object_types": object_types,
            "object_type": object_type,
            "rows": [(definition, counts.get(definition.pk)) for definition in definitions],
        },
    )


@super_admin_required
def property_create(request: HttpRequest, type_name: str) -> HttpResponse:
    object_type = object_type_or_404(request.user, type_name)
    form = PropertyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            definition = services.property_definition_create(
                actor=request.user, object_type=object_type, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Created the property {definition.label}.")
            return redirect("settings_property_list", type_name=object_type.name)
    return render(
        request,
        "settings/property_form.html",
        {"section": "properties", "object_type": object_type, "form": form, "creating": True},
    )


@super_admin_required
def property_edit(request: HttpRequest, type_name: str, name: str) -> HttpResponse:
    definition = property_or_404(request.user, type_name, name)
    initial = {field: getattr(definition, field) for field in PropertyEditForm.base_fields}
    form = PropertyEditForm(request.POST or None, initial=initial)
    if definition.data_type != DataType.ENUMERATION:
        del form.fields["options"]
    elif schema.STAGE_PROPERTY.get(definition.object_type.name) == definition.name:
        form.fields["options"].disabled = True
        form.fields["options"].help_text = "These are the stages of the pipelines; they change with the pipelines."
    if request.method == "POST" and form.is_valid():
        try:
            definition = services.property_definition_update(
                actor=request.user, definition=definition, **{"options": None, **form.cleaned_data}
            )
        except (ValidationError, PermissionDenied) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Saved {definition.label}.")
            return redirect("settings_property_list", type_name=definition.object_type.name)
    return render(
        request,
        "settings/property_form.html",
        {"section": "properties", "object_type": definition.object_type, "definition": definition, "form": form},
    )
