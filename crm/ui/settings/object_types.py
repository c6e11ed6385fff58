"""Custom object types: the list, and creating one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.decorators import super_admin_required
from core.forms import add_errors
from crm import selectors, services
from crm.ui.settings.forms import ObjectTypeForm


@super_admin_required
def object_type_list(request: HttpRequest) -> HttpResponse:
    form = ObjectTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            object_type = services.object_type_create(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Created {object_type.label_plural}. Add their properties next.")
            return redirect("settings_property_list", type_name=object_type.name)
    object_types = selectors.object_type_list(actor=request.user).annotate(property_count=Count("properties"))
    return render(
        request,
        "settings/object_type_list.html",
        {"section": "object_types", "object_types": object_types, "form": form},
    )
