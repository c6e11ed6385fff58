"""Which records of each object type a user sees: the form on the user's page and its saving."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from accounts.models import User
from accounts.views.settings.forms import RecordScopesForm
from core.forms import add_errors
from crm import selectors
from crm.records import services as record_services


def record_scopes_form_handle(request: HttpRequest, user: User) -> tuple[RecordScopesForm, bool]:
    """The record scopes form of `user`, saved through the service when posted: (form to show, saved)."""
    object_types = list(selectors.object_type_list(actor=request.user))
    scopes = selectors.record_scopes_of(actor=request.user, user=user)
    form = RecordScopesForm(request.POST or None, object_types=object_types, scopes=scopes)
    if request.method != "POST" or not form.is_valid():
        return form, False
    try:
        for name in form.changed_data:
            record_services.record_scope_set(
                actor=request.user, user=user, object_type=form.object_types[name], scope=form.cleaned_data[name]
            )
    except (ValidationError, PermissionDenied) as exc:
        add_errors(form, exc)
        return form, False
    return form, True
