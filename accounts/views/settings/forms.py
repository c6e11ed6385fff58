"""The forms of the settings screens for users, teams, record scopes and security."""

from __future__ import annotations

from django import forms

from accounts import selectors as account_selectors
from accounts.models import Team, Tenant, User
from crm.models import RecordScope


class UserCreateForm(forms.Form):
    """No password: the new user is emailed a link and chooses their own."""

    email = forms.EmailField(max_length=254, help_text="They are emailed a link to set their own password.")
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    role = forms.ChoiceField(
        choices=[(value, label) for value, label in User.Role.choices if value != User.Role.APP],
        initial=User.Role.MEMBER,
        help_text="Super admins can view and edit every sensitive value and change these settings.",
    )


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


class SecuritySettingsForm(forms.ModelForm):
    """Every security setting of the tenant on one form, saved by accounts.security.tenant_security_update.

    Only for showing and checking the input: the view passes cleaned_data to the service, never save().
    """

    class Meta:
        model = Tenant
        fields = ["require_mfa", "session_idle_minutes", "session_max_hours", "sudo_minutes", "audit_retention_days"]
        labels = {
            "require_mfa": "Require MFA for all users",
            "session_idle_minutes": "Inactivity timeout (minutes)",
            "session_max_hours": "Session lifetime (hours)",
            "sudo_minutes": "Ask again before dangerous actions after (minutes)",
            "audit_retention_days": "Keep audit events for (days)",
        }
        help_texts = {
            "audit_retention_days": "At least 365. Older events are archived to a compressed file, "
            "never silently deleted.",
        }
