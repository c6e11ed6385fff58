"""The audit viewer's filters (GET), shared by the table and the CSV export."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from accounts.models import User
from audit import selectors
from audit.models import AuditEvent


class ActorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        name = obj.get_full_name()
        return obj.email if name == obj.email else f"{name} ({obj.email})"


class EventFilterForm(forms.Form):
    actor = ActorChoiceField(label="Who", queryset=User.objects.none(), required=False, empty_label="Anyone")
    record = forms.CharField(
        label="Record id",
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    property = forms.ChoiceField(label="Property", required=False)
    kind = forms.MultipleChoiceField(
        label="Kind",
        required=False,
        choices=AuditEvent.Kind.choices,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Hold Ctrl (or ⌘) to choose several.",
    )
    since = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Inclusive: the whole day.",
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["actor"].queryset = selectors.event_actor_choices(actor=actor)
        self.fields["property"].choices = [("", "Any"), *selectors.event_property_choices(actor=actor)]

    def clean_record(self) -> uuid.UUID | None:
        value = self.cleaned_data["record"].strip()
        if not value:
            return None
        try:
            record_id = uuid.UUID(value)
        except ValueError:
            raise forms.ValidationError("No such record.", code="unknown_record") from None
        # Another tenant's record reads exactly like an unknown one.
        if not selectors.event_record_known(actor=self.actor, record_id=record_id):
            raise forms.ValidationError("No such record.", code="unknown_record")
        return record_id

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", forms.ValidationError("“To” must not be before “From”.", code="until_before"))
        return cleaned

    def selector_filters(self) -> dict[str, Any]:
        """Keyword arguments for selectors.event_list, from a valid form. Dates are in the current time zone."""
        data = self.cleaned_data
        since, until = data.get("since"), data.get("until")
        return {
            "actor_id": data["actor"].pk if data.get("actor") else None,
            "record_id": data.get("record"),
            "property_key": data.get("property") or None,
            "kinds": data.get("kind") or None,
            "since": _start_of(since) if since else None,
            "until": _start_of(until + timedelta(days=1)) if until else None,
        }

    def described(self) -> dict[str, Any]:
        """The filters as plain JSON values, for the export's own audit event."""
        data = self.cleaned_data
        described = {
            "actor": str(data["actor"].pk) if data.get("actor") else None,
            "record": str(data["record"]) if data.get("record") else None,
            "property": data.get("property") or None,
            "kinds": list(data.get("kind") or []),
            "from": data["since"].isoformat() if data.get("since") else None,
            "to": data["until"].isoformat() if data.get("until") else None,
        }
        return {key: value for key, value in described.items() if value}


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
