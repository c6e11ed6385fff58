"""Super admin screens in the admin: who can see a sensitive property, and granting or revoking it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from guardian.shortcuts import get_groups_with_perms, get_users_with_perms

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


@require_sudo_mode(only_post=True)
def property_access_view(request, definition_id, *, admin_site):
    actor = request.user
    definition = PropertyDefinition.objects.filter(pk=definition_id, tenant_id=actor.tenant_id).first()
    if definition is None:
        raise Http404("No such property.")
    if not actor.is_super_admin:
        raise PermissionDenied("Only super admins manage access to sensitive properties.")
    form = GrantForm(actor=actor)
    if request.method == "POST":
        try:
            if "revoke" in request.POST:
                grantee = grantee_from(request.POST["revoke"], actor)
                grants.property_revoke(actor=actor, definition=definition, grantee=grantee)
                messages.success(request, f"Revoked {grantee}'s access to {definition.label}.")
                return HttpResponseRedirect(request.path)
            form = GrantForm(request.POST, actor=actor)
            if form.is_valid():
                grantee = grantee_from(form.cleaned_data["grantee"], actor)
                grants.property_grant(
                    actor=actor, definition=definition, grantee=grantee, level=form.cleaned_data["level"]
                )
                messages.success(request, f"{grantee} may now {form.cleaned_data['level']} {definition.label}.")
                return HttpResponseRedirect(request.path)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
    direct = get_users_with_perms(definition, attach_perms=True, with_superusers=False, with_group_users=False)
    team_grants = [
        (Team.objects.get(group=group), grants._level(perms))
        for group, perms in get_groups_with_perms(definition, attach_perms=True).items()
        if Team.objects.filter(group=group, tenant_id=actor.tenant_id).exists()
    ]
    context = {
        **admin_site.each_context(request),
        "title": f"Who can see {definition.label}",
        "definition": definition,
        "opts": PropertyDefinition._meta,
        "lines": grants.property_access_list(actor=actor, definition=definition) if definition.is_sensitive else [],
        "direct_grants": [(user, grants._level(perms)) for user, perms in direct.items()],
        "team_grants": team_grants,
        "form": form,
    }
    return TemplateResponse(request, "admin/crm/propertydefinition/access.html", context)
