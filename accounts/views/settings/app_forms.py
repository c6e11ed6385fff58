"""The form of a private app: its scopes grouped as HubSpot's settings page groups them, its limits.

Only for showing and checking the input: the views pass cleaned_data to accounts.private_apps,
which cleans again (names, ranges, the allowlist) and refuses what is wrong.
"""

from __future__ import annotations

from django import forms

from accounts import scopes as api_scopes

# (legend, the scopes' common start), in the order of the page; the first match wins.
SCOPE_GROUPS = [
    ("Contacts", "crm.objects.contacts."),
    ("Companies", "crm.objects.companies."),
    ("Deals", "crm.objects.deals."),
    ("Tickets", "tickets"),
    ("Custom objects", "crm.objects.custom."),
    ("Properties and schemas", "crm.schemas."),
    ("Other", ""),
]


def scope_group_of(scope: str) -> str:
    return next(legend for legend, start in SCOPE_GROUPS if scope.startswith(start))


class PrivateAppForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Who uses it, e.g. “Payroll sync”. Shown in the audit log.")
    description = forms.CharField(max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    scopes = forms.MultipleChoiceField(
        choices=list(api_scopes.SCOPES.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text="What the token may do. The sensitive scopes open sensitive values of their object type.",
    )
    sensitive_allowlist = forms.MultipleChoiceField(
        label="Only these sensitive properties",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to let the sensitive scopes open every sensitive property of their object "
        "type; tick some to open only those.",
    )
    allowed_ip_ranges = forms.CharField(
        label="Allowed IP addresses",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocapitalize": "off"}),
        help_text="One address or range per line, such as 203.0.113.0/24. Empty: any address.",
    )
    expires_on = forms.DateField(
        label="Expires on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The token stops working at the end of this day (your time zone). Empty: no expiry.",
    )

    def __init__(self, *args, allowlist_choices: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sensitive_allowlist"].choices = allowlist_choices

    def clean_allowed_ip_ranges(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["allowed_ip_ranges"].splitlines() if line.strip()]

    def scope_groups(self) -> list[tuple[str, list]]:
        """(legend, checkboxes) for the template: one fieldset per object type."""
        groups: dict[str, list] = {legend: [] for legend, _ in SCOPE_GROUPS}
        for checkbox in self["scopes"]:
            groups[scope_group_of(checkbox.data["value"])].append(checkbox)
        return [(legend, boxes) for legend, boxes in groups.items() if boxes]
