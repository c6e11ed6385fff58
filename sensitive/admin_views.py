"""Super admin screens in the admin: who can see a sensitive property, and granting or revoking it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse

from accounts.models import Team, User
from accounts.sudo import require_sudo_mode
from crm.models import PropertyDefinition
from sensitive import grants


class GrantForm(forms.Form):
    grantee = forms.ChoiceField(label="User or team")
    level = forms.ChoiceField(choices=[("view", "View"), ("edit", "View and edit")])

    def __init__(self, *args, actor: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        teams = [(f"team:{t.pk}", f"Team: {t.name}") for t in Team.objects.for_tenant(actor.tenant_id)]
        users = [
            (f"user:{u.pk}", f"User: {u.get_full_name()} <{u.email}>")
            for u in User.objects.filter(tenant_id=actor.tenant_id, is_active=True).exclude(role="super_admin")
        ]
        self.fields["grantee"].choices = [("", "—"), *teams, *users]


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
        messages_ = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        if "revoke" in request.POST:
            return form, "", " ".join(messages_)
        if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, messages_)
    return form, "", ""


@require_sudo_mode(only_post=True)
def property_access_view(request, definition_id, *, admin_site):
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
