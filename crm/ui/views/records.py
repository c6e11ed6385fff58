"""The record page (with its reveal) and the forms that create, edit and delete a record."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts.sudo import require_sudo_mode
from crm.models import ObjectType, PropertyDefinition, Record
from crm.records import api as records_api
from crm.records import selectors as record_selectors
from crm.ui.forms.records import RecordForm
from crm.ui.views.common import object_type_or_404, record_or_404
from sensitive.keys import MasterKeyUnavailable, TenantKeysDestroyed
from workflows.automation import selectors as workflow_selectors

logger = logging.getLogger(__name__)


def _render_record(request: HttpRequest, object_type: ObjectType, record: Record, reveal=()) -> HttpResponse:
    try:
        view = records_api.record_view(actor=request.user, record=record, reveal=reveal)
    except (Record.DoesNotExist, PropertyDefinition.DoesNotExist):
        raise Http404("No such record or property.") from None
    return render(
        request,
        "crm/record_detail.html",
        {
            "object_type": object_type,
            "active_type": object_type.name,
            "record": record,
            "view": view,
            "groups": view.grouped(),
            "associations": record_selectors.record_associations(actor=request.user, record=record),
            "workflow_history": workflow_selectors.record_history(actor=request.user, record=record),
        },
    )


@login_required
@never_cache
def record_detail(request: HttpRequest, type_name: str, record_id: str) -> HttpResponse:
    object_type = object_type_or_404(request, type_name)
    return _render_record(request, object_type, record_or_404(request, object_type, record_id))


@login_required
@never_cache
@require_POST
@require_sudo_mode
def record_reveal(request: HttpRequest, type_name: str, record_id: str, name: str) -> HttpResponse:
    """Shows one highly sensitive value on this response only; a reload hides it again. Audited."""
    object_type = object_type_or_404(request, type_name)
    record = record_or_404(request, object_type, record_id)
    return _render_record(request, object_type, record, reveal=(name,))


# --- creating, editing and deleting records -------------------------------------------------


def _render_form(request: HttpRequest, object_type: ObjectType, form: RecordForm) -> HttpResponse:
    return render(
        request,
        "crm/record_form.html",
        {"object_type": object_type, "active_type": object_type.name, "form": form, "record": form.record},
    )


def _save(request: HttpRequest, form: RecordForm) -> Record | None:
    """Sends the form to the record layer's record_write; on refusal the reasons land on the form."""
    if not form.is_valid():
        return None
    owner, team = form.cleaned_data["owner"], form.cleaned_data["team"]
    try:
        return records_api.record_write(
            actor=request.user,
            record=form.record,
            object_type=form.object_type,
            values=form.property_values(),
            owner=owner,
            team=team,
            clear_team=team is None,
        )
    except ValidationError as exc:
        form.add_service_errors(exc)
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
    except TenantKeysDestroyed as exc:  # nothing was saved
        form.add_error(None, exc.message)
    except MasterKeyUnavailable as exc:  # its message names the key's location: for the log, not the page
        logger.error("Record %s not saved: %s", form.record.pk if form.record else "(new)", exc.message)
        form.add_error(None, "Sensitive values can't be saved right now: the encryption keys are unavailable.")
    return None


def _after_save(request: HttpRequest, object_type: ObjectType, record: Record) -> HttpResponse:
    try:
        record_selectors.record_get(actor=request.user, record_id=record.pk)
    except Record.DoesNotExist:
        # A new owner or team can take the record out of the actor's scope: the index, not a 404.
        messages.info(request, f"{record} is no longer among the {object_type.label_plural.lower()} you see.")
        return redirect("record_index", object_type.name)
    return redirect("record_detail", object_type.name, record.pk)


@login_required
@never_cache
@sensitive_post_parameters()  # the form carries sensitive values: none of them in an error report
@require_http_methods(["GET", "POST"])
def record_create(request: HttpRequest, type_name: str) -> HttpResponse:
    object_type = object_type_or_404(request, type_name)
    form = RecordForm(request.POST or None, actor=request.user, object_type=object_type)
    if request.method == "POST":
        record = _save(request, form)
        if record is not None:
            messages.success(request, f"{object_type.label_singular} “{record}” created.")
            return _after_save(request, object_type, record)
    return _render_form(request, object_type, form)


@login_required
@never_cache
@sensitive_post_parameters()  # the form carries sensitive values: none of them in an error report
@require_http_methods(["GET", "POST"])
def record_update(request: HttpRequest, type_name: str, record_id: str) -> HttpResponse:
    object_type = object_type_or_404(request, type_name)
    record = record_or_404(request, object_type, record_id)
    if not records_api.record_permissions(actor=request.user, record=record).edit:
        raise Http404("No such record.")
    form = RecordForm(request.POST or None, actor=request.user, object_type=object_type, record=record)
    if request.method == "POST":
        saved = _save(request, form)
        if saved is not None:
            messages.success(request, f"Changes to “{saved}” saved.")
            return _after_save(request, object_type, saved)
    return _render_form(request, object_type, form)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def record_delete(request: HttpRequest, type_name: str, record_id: str) -> HttpResponse:
    """GET asks for confirmation; POST deletes, which archives the record (as the REST API's DELETE):
    it leaves every list and page, and record_delete can still remove it for good."""
    object_type = object_type_or_404(request, type_name)
    record = record_or_404(request, object_type, record_id)
    if not records_api.record_permissions(actor=request.user, record=record).delete:
        raise Http404("No such record.")
    if request.method == "POST":
        name = str(record)
        records_api.record_archive(actor=request.user, record=record)
        messages.success(request, f"{object_type.label_singular} “{name}” deleted.")
        return redirect(reverse("record_index", args=[object_type.name]))
    return render(
        request,
        "crm/record_confirm_delete.html",
        {"object_type": object_type, "active_type": object_type.name, "record": record},
    )
