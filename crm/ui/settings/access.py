"""Who can see a sensitive property, and granting or revoking it: the settings area's screen and the admin's.

Both post the same form and go through sensitive.grants; only the page around it differs.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse

from accounts.decorators import super_admin_required
from accounts.models import Team, User
from accounts.sudo import require_sudo_mode
from core.forms import add_errors, error_text
from crm.models import PropertyDefinition
from crm.ui.settings.forms import GrantForm
from crm.ui.settings.properties import property_or_404
from sensitive import grants


def grantee_from(value: str, actor: User) -> User | Team:
    kind, _, pk = value.partition(":")
    model = {"team": Team, "user": User}.get(kind)
    found = model.objects.filter(pk=pk, tenant_id=actor.tenant_id).first() if model else None
    if found is None:
        raise ValidationError({"grantee": "No such user or team in your organisation."})
    return found


def grant_post_handle(request, definition: PropertyDefinition) -> tuple[GrantForm, str, str]:
    """Apply a posted grant or revoke through the services: (form to show, success message, revoke error).

    Shared by the admin screen and the staff UI's settings screen.
    """
    actor = request.user
    form = GrantForm(actor=actor)
    if request.method != "POST":
        return form, "", ""
    try:
        if "revoke" in request.POST:
            grantee = grantee_from(request.POST["revoke"], actor)
            grants.property_revoke(actor=actor, definition=definition, grantee=grantee)
            return form, f"Revoked {grantee}'s access to {definition.label}.", ""
        form = GrantForm(request.POST, actor=actor)
        if form.is_valid():
            grantee = grantee_from(form.cleaned_data["grantee"], actor)
            level = form.cleaned_data["level"]
            grants.property_grant(actor=actor, definition=definition, grantee=grantee, level=level)
            can = "view and edit" if level == "edit" else "view"
            return form, f"{grantee} may now {can} {definition.label}.", ""
    except (ValidationError, PermissionDenied) as exc:
        if "revoke" in request.POST:
            return form, "", error_text(exc)
        add_errors(form, exc)
    return form, "", ""


@super_admin_required
def property_access(request: HttpRequest, type_name: str, name: str) -> HttpResponse:
    """The settings area's screen (the staff UI's twin of the admin screen below)."""
    actor = request.user
    definition = property_or_404(actor, type_name, name)
    form, done, revoke_error = grant_post_handle(request, definition)
    form.fields["level"].label = "Access"
    if done:
        messages.success(request, done)
        return redirect(request.path)
    sensitive = definition.is_sensitive
    return render(
        request,
        "settings/property_access.html",
        {
            "section": "properties",
            "object_type": definition.object_type,
            "definition": definition,
            "lines": grants.property_access_list(actor=actor, definition=definition) if sensitive else [],
            "grants": grants.property_grant_list(actor=actor, definition=definition) if sensitive else [],
            "form": form,
            "revoke_error": revoke_error,
        },
    )


@require_sudo_mode(only_post=True)
def property_access_view(request, definition_id, *, admin_site):
    """The admin's screen, wrapped by crm.admin's PropertyDefinitionAdmin (admin_site.admin_view)."""
    actor = request.user
    definition = PropertyDefinition.objects.filter(pk=definition_id, tenant_id=actor.tenant_id).first()
    if definition is None:
        raise Http404("No such property.")
    if not actor.is_super_admin:
        raise PermissionDenied("Only super admins manage access to sensitive properties.")
    form, done, revoke_error = grant_post_handle(request, definition)
    if done:
        messages.success(request, done)
        return HttpResponseRedirect(request.path)
    if revoke_error:
        messages.error(request, revoke_error)
    given = grants.property_grant_list(actor=actor, definition=definition) if definition.is_sensitive else []
    context = {
        **admin_site.each_context(request),
        "title": f"Who can see {definition.label}",
        "definition": definition,
        "opts": PropertyDefinition._meta,
        "lines": grants.property_access_list(actor=actor, definition=definition) if definition.is_sensitive else [],
        "direct_grants": [(grantee, level) for kind, grantee, level in given if kind == "user"],
        "team_grants": [(grantee, level) for kind, grantee, level in given if kind == "team"],
        "form": form,
    }
    return TemplateResponse(request, "admin/crm/propertydefinition/access.html", context)
