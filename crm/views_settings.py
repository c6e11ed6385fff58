"""The super admins' settings area of the staff UI: properties, object types, users, teams, access, security.

Thin views over services and selectors. Anyone signed in but a super admin of the tenant gets the one
refusal page (403, like /audit/ and /admin/): that the area exists is no secret. Ids of another tenant's
users, teams or properties are 404, looked up inside the actor's tenant only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import invitations
from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.models import Team, User
from accounts.sudo import require_sudo_mode
from crm import schema, selectors, services
from crm.models import ObjectType, PropertyDefinition, RecordScope
from crm.records import selectors as record_selectors
from crm.records import services as record_services
from sensitive import grants
from sensitive.admin_views import grant_post_handle
from sensitive.sensitivity import property_sensitivity_change

Sensitivity = PropertyDefinition.Sensitivity
DataType = PropertyDefinition.DataType


def super_admin_required(view: Callable) -> Callable:
    """Super admins only (anyone else: 403); every change asks for the password or a code again when the
    last check is older than the tenant's sudo window: these pages decide who sees sensitive data."""
    guarded = require_sudo_mode(only_post=True)(view)

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_super_admin:
            raise PermissionDenied("The settings are for your organisation's super admins.")
        return guarded(request, *args, **kwargs)

    return wrapped


def _add_errors(form: forms.Form, exc: ValidationError | PermissionDenied) -> None:
    """A service's errors next to the fields they name; the rest above the form."""
    if isinstance(exc, PermissionDenied) or not hasattr(exc, "error_dict"):
        messages_ = [str(exc)] if isinstance(exc, PermissionDenied) else exc.messages
        form.add_error(None, messages_)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


# Lookups inside the actor's tenant; anything else is a 404 like a missing id.


def _object_type_or_404(actor: User, type_name: str) -> ObjectType:
    try:
        return selectors.object_type_get(actor=actor, name=type_name)
    except ObjectType.DoesNotExist:
        raise Http404("No such object type.") from None


def _property_or_404(actor: User, type_name: str, name: str) -> PropertyDefinition:
    object_type = _object_type_or_404(actor, type_name)
    definition = selectors.property_definitions(object_type=object_type).filter(name=name).first()
    if definition is None:
        raise Http404("No such property.")
    return definition


def _user_or_404(actor: User, user_id) -> User:
    user = account_selectors.user_get(actor=actor, user_id=_uuid_or_404(user_id))
    if user is None:
        raise Http404("No such user.")
    return user


def _team_or_404(actor: User, team_id) -> Team:
    team = account_selectors.team_get(actor=actor, team_id=_uuid_or_404(team_id))
    if team is None:
        raise Http404("No such team.")
    return team


def _uuid_or_404(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404("No such page.") from None


# Index


@super_admin_required
def settings_index(request: HttpRequest) -> HttpResponse:
    return render(request, "settings/index.html", {"section": "index"})


# Properties


class OptionsField(forms.CharField):
    """Enumeration options as lines "value|Label" (a line without "|" is both)."""

    widget = forms.Textarea(attrs={"rows": 5})

    def to_python(self, value) -> list[dict[str, str]]:
        if isinstance(value, list):  # a disabled field cleans its initial value, already a list
            return value
        options = []
        for line in (super().to_python(value) or "").splitlines():
            if line.strip():
                option_value, _, label = line.partition("|")
                options.append({"value": option_value.strip(), "label": label.strip() or option_value.strip()})
        return options

    def prepare_value(self, value) -> str:
        if isinstance(value, list):
            return "\n".join(f"{option['value']}|{option['label']}" for option in value)
        return value


OPTIONS_HELP = 'For "Choice from a list" only: one option per line, as value|Label, e.g. "vip|VIP customer".'


class PropertyEditForm(forms.Form):
    label = forms.CharField(max_length=100)
    group = forms.CharField(max_length=100, required=False, help_text="The heading it is shown under on a record.")
    description = forms.CharField(
        max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Shown as help."
    )
    options = OptionsField(required=False, help_text=OPTIONS_HELP)
    required = forms.BooleanField(required=False, label="Required when creating a record")


class PropertyCreateForm(PropertyEditForm):
    name = forms.CharField(
        max_length=63,
        label="Internal name",
        help_text="Used by the API, imports and filters; can't be changed later. Lower-case letters, digits and _.",
    )
    data_type = forms.ChoiceField(label="Type", choices=DataType.choices)
    sensitivity = forms.ChoiceField(
        choices=Sensitivity.choices,
        help_text="Sensitive values are encrypted and shown only to super admins and the people you grant access. "
        "Highly sensitive values are also masked until revealed, and every reveal is logged.",
    )
    searchable = forms.BooleanField(
        required=False, label="Searchable", help_text="Sensitive values get a blind index for exact-match filters."
    )

    field_order = [
        "label",
        "name",
        "data_type",
        "options",
        "sensitivity",
        "searchable",
        "required",
        "group",
        "description",
    ]


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
    object_type = _object_type_or_404(request.user, type_name)
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
    object_type = _object_type_or_404(request.user, type_name)
    form = PropertyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            definition = services.property_definition_create(
                actor=request.user, object_type=object_type, **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(form, exc)
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
    definition = _property_or_404(request.user, type_name, name)
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
            _add_errors(form, exc)
        else:
            messages.success(request, f"Saved {definition.label}.")
            return redirect("settings_property_list", type_name=definition.object_type.name)
    return render(
        request,
        "settings/property_form.html",
        {"section": "properties", "object_type": definition.object_type, "definition": definition, "form": form},
    )


class SensitivityChoiceForm(forms.Form):
    to = forms.ChoiceField(label="New sensitivity", choices=Sensitivity.choices)


class SensitivityConfirmForm(forms.Form):
    sensitivity = forms.ChoiceField(choices=Sensitivity.choices, widget=forms.HiddenInput)
    confirm = forms.CharField(max_length=63, label="Property name")

    def __init__(self, *args, definition: PropertyDefinition, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.fields["confirm"].help_text = f"Type {definition.name} to confirm."

    def clean_confirm(self) -> str:
        typed = self.cleaned_data["confirm"].strip()
        if typed != self.definition.name:
            raise ValidationError(f"Type the property's name, {self.definition.name}, exactly as shown to confirm.")
        return typed


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
    definition = _property_or_404(request.user, type_name, name)
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
            definition = property_sensitivity_change(
                actor=request.user, definition=definition, sensitivity=to
            )
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(form, exc)
        else:
            moving = " Its existing values are being moved." if definition.values_moving else ""
            messages.success(request, f"{definition.label} is now {definition.get_sensitivity_display()}.{moving}")
            return redirect("settings_property_list", type_name=definition.object_type.name)
    people = len({line.user.pk for line in grants.property_access_list(actor=request.user, definition=definition)})
    holding = record_selectors.records_with_value_count(definition)
    consequences = sensitivity_consequences(definition, to, holding, people)
    return render(
        request,
        "settings/property_sensitivity.html",
        {**context, "form": form, "to_label": Sensitivity(to).label, "consequences": consequences},
    )


@super_admin_required
def property_access(request: HttpRequest, type_name: str, name: str) -> HttpResponse:
    """Who can see a sensitive property, and granting or revoking it (the staff UI's twin of the admin screen)."""
    actor = request.user
    definition = _property_or_404(actor, type_name, name)
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


# Custom object types


class ObjectTypeForm(forms.Form):
    label_singular = forms.CharField(max_length=100, label="Name (singular)", help_text="e.g. Project")
    label_plural = forms.CharField(max_length=100, label="Name (plural)", help_text="e.g. Projects")
    name = forms.CharField(
        max_length=63,
        label="Internal name",
        help_text="Used in addresses and the API; can't be changed later. Lower-case letters, digits and _.",
    )


@super_admin_required
def object_type_list(request: HttpRequest) -> HttpResponse:
    form = ObjectTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            object_type = services.object_type_create(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"Created {object_type.label_plural}. Add their properties next.")
            return redirect("settings_property_list", type_name=object_type.name)
    object_types = selectors.object_type_list(actor=request.user).annotate(property_count=Count("properties"))
    return render(
        request,
        "settings/object_type_list.html",
        {"section": "object_types", "object_types": object_types, "form": form},
    )


# Users and super admins


class UserCreateForm(forms.Form):
    """No password: the new user is emailed a link and chooses their own."""

    email = forms.EmailField(max_length=254, help_text="They are emailed a link to set their own password.")
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    role = forms.ChoiceField(
        choices=User.Role.choices,
        initial=User.Role.MEMBER,
        help_text="Super admins can view and edit every sensitive value and change these settings.",
    )


@super_admin_required
def user_list(request: HttpRequest) -> HttpResponse:
    rows = account_selectors.user_list_with_teams(actor=request.user)
    return render(
        request,
        "settings/user_list.html",
        {"section": "users", "rows": rows, "super_admins": account_services.super_admin_list(actor=request.user)},
    )


@super_admin_required
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = account_services.user_create(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"Added {user.email} and emailed them a link to set their password.")
            return redirect("settings_user_detail", user_id=user.pk)
    return render(request, "settings/user_form.html", {"section": "users", "form": form})


@super_admin_required
@require_POST
def user_invite(request: HttpRequest, user_id) -> HttpResponse:
    """A new sign-up link for a user who has not set a password yet; the earlier one stops working."""
    user = _user_or_404(request.user, user_id)
    try:
        invitations.invitation_create(actor=request.user, user=user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, f"Emailed {user.email} a new link to set their password.")
    return redirect("settings_user_detail", user_id=user.pk)


class RecordScopesForm(forms.Form):
    """One select per object type: which of its records the user sees."""

    def __init__(self, *args, object_types, scopes: dict, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.object_types = {object_type.name: object_type for object_type in object_types}
        for object_type in object_types:
            self.fields[object_type.name] = forms.ChoiceField(
                label=object_type.label_plural,
                choices=RecordScope.Scope.choices,
                initial=scopes.get(object_type.pk, RecordScope.Scope.ALL),
            )


@super_admin_required
def user_detail(request: HttpRequest, user_id) -> HttpResponse:
    user = _user_or_404(request.user, user_id)
    object_types = list(selectors.object_type_list(actor=request.user))
    scopes = selectors.record_scopes_of(actor=request.user, user=user)
    form = RecordScopesForm(request.POST or None, object_types=object_types, scopes=scopes)
    if request.method == "POST" and form.is_valid():
        try:
            for name in form.changed_data:
                record_services.record_scope_set(
                    actor=request.user, user=user, object_type=form.object_types[name], scope=form.cleaned_data[name]
                )
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"Saved which records {user.get_full_name()} sees.")
            return redirect("settings_user_detail", user_id=user.pk)
    teams = account_selectors.teams_of(actor=request.user, user=user)
    return render(
        request,
        "settings/user_detail.html",
        {
            "section": "users",
            "subject": user,
            "teams": teams,
            "scope_form": form,
            "access": grants.user_access_list(actor=request.user, user=user),
        },
    )


@super_admin_required
def user_super_admin(request: HttpRequest, user_id) -> HttpResponse:
    """Make or remove a super admin, after a confirmation page that says what it means."""
    user = _user_or_404(request.user, user_id)
    error = ""
    if request.method == "POST":
        try:
            if user.role == User.Role.SUPER_ADMIN:
                account_services.super_admin_remove(actor=request.user, user=user)
                messages.success(request, f"{user.email} is no longer a super admin.")
            else:
                account_services.super_admin_add(actor=request.user, user=user)
                messages.success(request, f"{user.email} is now a super admin.")
        except (ValidationError, PermissionDenied) as exc:
            error = " ".join(exc.messages if isinstance(exc, ValidationError) else [str(exc)])
        else:
            if user.pk == request.user.pk:
                return redirect("home")  # no longer theirs to see
            return redirect("settings_user_detail", user_id=user.pk)
    return render(request, "settings/user_super_admin.html", {"section": "users", "subject": user, "error": error})


@super_admin_required
def user_active(request: HttpRequest, user_id) -> HttpResponse:
    """Deactivate (signed out everywhere, can't sign in) or reactivate a user, after a confirmation page."""
    user = _user_or_404(request.user, user_id)
    error = ""
    if request.method == "POST":
        service = account_services.user_deactivate if user.is_active else account_services.user_reactivate
        try:
            service(actor=request.user, user=user)
        except (ValidationError, PermissionDenied) as exc:
            error = " ".join(exc.messages if isinstance(exc, ValidationError) else [str(exc)])
        else:
            messages.success(request, f"{user.email} is {'active again' if user.is_active else 'deactivated'}.")
            if user.pk == request.user.pk:
                return redirect("login")  # their own sessions just ended
            return redirect("settings_user_detail", user_id=user.pk)
    return render(request, "settings/user_active.html", {"section": "users", "subject": user, "error": error})


# Teams


class TeamForm(forms.Form):
    name = forms.CharField(max_length=100, label="Team name")


class TeamMemberForm(forms.Form):
    user = forms.ChoiceField(label="User")

    def __init__(self, *args, actor: User, team: Team, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        candidates = account_selectors.team_member_candidates(actor=actor, team=team)
        self.fields["user"].choices = [("", "—")] + [
            (str(user.pk), f"{user.get_full_name()} <{user.email}>") for user in candidates
        ]


@super_admin_required
def team_list(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = account_services.team_create(actor=request.user, name=form.cleaned_data["name"])
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"Created the team {team.name}. Add its members next.")
            return redirect("settings_team_detail", team_id=team.pk)
    teams = account_selectors.team_list(actor=request.user)
    return render(request, "settings/team_list.html", {"section": "teams", "teams": teams, "form": form})


@super_admin_required
def team_detail(request: HttpRequest, team_id) -> HttpResponse:
    actor = request.user
    team = _team_or_404(actor, team_id)
    form = TeamMemberForm(request.POST if "add" in request.POST else None, actor=actor, team=team)
    if "remove" in request.POST:
        user = _user_or_404(actor, request.POST["remove"])
        try:
            account_services.team_member_remove(actor=actor, team=team, user=user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(exc.messages if isinstance(exc, ValidationError) else [str(exc)]))
        else:
            messages.success(request, f"Removed {user.email} from {team.name}.")
        return redirect("settings_team_detail", team_id=team.pk)
    if form.is_bound and form.is_valid():
        user = _user_or_404(actor, form.cleaned_data["user"])
        try:
            account_services.team_member_add(actor=actor, team=team, user=user)
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"Added {user.email} to {team.name}.")
            return redirect("settings_team_detail", team_id=team.pk)
    return render(
        request,
        "settings/team_detail.html",
        {"section": "teams", "team": team, "members": team.members.order_by("email"), "form": form},
    )


@super_admin_required
def team_delete(request: HttpRequest, team_id) -> HttpResponse:
    """Delete a team after a confirmation page: its grants go with it, its records stay without a team."""
    team = _team_or_404(request.user, team_id)
    if request.method == "POST":
        try:
            account_services.team_delete(actor=request.user, team=team)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(exc.messages if isinstance(exc, ValidationError) else [str(exc)]))
            return redirect("settings_team_detail", team_id=team.pk)
        messages.success(request, f"Deleted the team {team.name}.")
        return redirect("settings_teams")
    return render(
        request,
        "settings/team_delete.html",
        {"section": "teams", "team": team, "members": team.members.count(), "records": team.records.count()},
    )


# Tenant security settings


class RetentionForm(forms.Form):
    audit_retention_days = forms.IntegerField(
        label="Keep audit events for (days)",
        help_text="At least 365. Older events are archived to a compressed file, never silently deleted.",
    )


@super_admin_required
def security(request: HttpRequest) -> HttpResponse:
    tenant = request.user.tenant
    form = RetentionForm(request.POST or None, initial={"audit_retention_days": tenant.audit_retention_days})
    if request.method == "POST" and form.is_valid():
        try:
            account_services.tenant_settings_update(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Saved the audit retention.")
            return redirect(reverse("settings_security"))
    # MFA and session settings: another engineer adds their form and handling here (accounts.security).
    return render(request, "settings/security.html", {"section": "security", "tenant": tenant, "retention_form": form})
