"""The forms of an app's webhooks page: only for showing and checking the input; the services clean
again and refuse what is wrong."""

from __future__ import annotations

from django import forms

from webhooks.services import MAX_BATCH, MAX_CONCURRENT


class WebhookSettingsForm(forms.Form):
    target_url = forms.CharField(
        label="Target URL",
        max_length=500,
        help_text="Where the events are POSTed, signed with the app's secret (X-HubSpot-Signature-v3).",
        widget=forms.URLInput(attrs={"spellcheck": "false", "autocapitalize": "off"}),
    )
    max_concurrent_requests = forms.IntegerField(
        label="Concurrent requests", min_value=1, max_value=MAX_CONCURRENT, initial=10
    )
    batch_size = forms.IntegerField(label="Events per request", min_value=1, max_value=MAX_BATCH, initial=MAX_BATCH)
    paused = forms.BooleanField(label="Paused (events wait, nothing is sent)", required=False)


class SubscriptionsForm(forms.Form):
    subscriptions = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subscriptions"].choices = choices
