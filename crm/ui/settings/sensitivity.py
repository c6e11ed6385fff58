"""Changing a property's sensitivity: pick the level, read what it does, type the name to confirm."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.decorators import super_admin_required
from core.forms import add_errors
from crm.models import PropertyDefinition
from crm.records import selectors as record_selectors
from crm.ui.settings.forms import SensitivityChoiceForm, SensitivityConfirmForm
from crm.ui.settings.properties import property_or_404
from sensitive import grants, sensitivity

Sensitivity = PropertyDefinition.Sensitivity


def _count(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


def sensitivity_consequences(definition: PropertyDefinition, to: str, values: int, people: int) -> list[str]:
    """What a change of sensitivity does, spelt out for the super admin before they confirm it."""
    before, label = definition.sensitivity, Sensitivity(to).label
    existing = _count(values, "existing value", "existing values")
    who = _count(people, "person who may see them", "people who may see them")
    stay = "stays" if values == 1 else "stay"
    if to == Sensitivity.NONE:
        return [
            f"Lowering to {label} will store {existing} in plain text and every user who can see these records "
            "will see them.",
            "The values move out of encryption in a background job, and reading them is no longer logged. "
            "Its grants are kept, and apply again if it is made sensitive again.",
        ]
    if before == Sensitivity.NONE:
        lines = [
            f"Raising to {label} will encrypt {existing} in a background job, removing the plain copies from the "
            "records and from their change history.",
            "From then on only super admins, and the users and teams you grant access to, can see them; "
            "everyone else who sees these records sees “Restricted”.",
        ]
        if to == Sensitivity.HIGHLY_SENSITIVE:
            lines.append("Even they see the values masked until they reveal one, and every reveal is logged.")
        return lines
    if to == Sensitivity.HIGHLY_SENSITIVE:
        return [
            f"Its {existing} {stay} encrypted. The {who} will see them masked until they reveal one, "
            "and every reveal is logged."
        ]
    return [f"Its {existing} {stay} encrypted, but the {who} will see them straight away, without revealing them."]


@super_admin_required
def property_sensitivity(request: HttpRequest, type_name: str, name: str) -> HttpResponse:
    """Two steps without JavaScript: pick the new level, then read what it does and type the name to confirm."""
    definition = property_or_404(request.user, type_name, name)
    context = {"section": "properties", "object_type": definition.object_type, "definition": definition}
    to = request.POST.get("sensitivity") if request.method == "POST" else request.GET.get("to")
    choice_form = SensitivityChoiceForm({"to": to} if to else None, initial={"to": definition.sensitivity})
    if to and choice_form.is_valid() and to == definition.sensitivity:
        choice_form.add_error("to", f"{definition.label} is already {definition.get_sensitivity_display()}.")
    if definition.values_moving or not to or not choice_form.is_valid():
        return render(request, "settings/property_sensitivity.html", {**context, "choice_form": choice_form})

    form = SensitivityConfirmForm(request.POST or None, initial={"sensitivity": to}, definition=definition)
    if request.method == "POST" and form.is_valid():
        try:
            definition = sensitivity.property_sensitivity_change(
                actor=request.user, definition=definition, sensitivity=to
            )
        except (ValidationError, PermissionDenied) as exc:
            add_errors(form, exc)
        else:
            moving = " Its existing values are being moved." if definition.values_moving else ""
            messages.success(request, f"{definition.label} is now {definition.get_sensitivity_display()}.{moving}")
            return redirect("settings_property_list", type_name=definition.object_type.name)
    people = len({line.user.pk for line in grants.property_access_list(actor=request.user, definition=definition)})
    consequences = sensitivity_consequences(
        definition, to, record_selectors.records_with_value_count(definition), people
    )
    return render(
        request,
        "settings/property_sensitivity.html",
        {**context, "form": form, "to_label": Sensitivity(to).label, "consequences": consequences},
    )
