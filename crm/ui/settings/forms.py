"""The forms of the property, object type and access screens (settings area and admin)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import Team, User
from crm.models import PropertyDefinition

Sensitivity = PropertyDefinition.Sensitivity
DataType = PropertyDefinition.DataType


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


class ObjectTypeForm(forms.Form):
    label_singular = forms.CharField(max_length=100, label="Name (singular)", help_text="e.g. Project")
    label_plural = forms.CharField(max_length=100, label="Name (plural)", help_text="e.g. Projects")
    name = forms.CharField(
        max_length=63,
        label="Internal name",
        help_text="Used in addresses and the API; can't be changed later. Lower-case letters, digits and _.",
    )


class GrantForm(forms.Form):
    """A grant on a sensitive property to a user or a team of the actor's tenant (super admins need none)."""

    grantee = forms.ChoiceField(label="User or team")
    level = forms.ChoiceField(choices=[("view", "View"), ("edit", "View and edit")])

    def __init__(self, *args, actor: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        teams = [(f"team:{t.pk}", f"Team: {t.name}") for t in Team.objects.for_tenant(actor.tenant_id)]
        users = [
            (f"user:{u.pk}", f"User: {u.get_full_name()} <{u.email}>")
            for u in User.objects.people().filter(tenant_id=actor.tenant_id, is_active=True).exclude(role="super_admin")
        ]
        self.fields["grantee"].choices = [("", "—"), *teams, *users]
