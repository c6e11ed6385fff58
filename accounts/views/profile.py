"""The user's own preferences."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts.models import User, time_zone_names


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["time_zone"]
        labels = {"time_zone": "Time zone"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A select, not free text; the model's validator still has the last word.
        self.fields["time_zone"].widget = forms.Select(choices=[(name, name) for name in time_zone_names()])


@login_required
def preferences(request):
    """The user's own settings. Only the time zone so far: a display preference, so no sudo and no audit event."""
    user = request.user
    form = PreferencesForm(request.POST or None, instance=user)
    if request.method == "POST":
        if form.is_valid():
            user.save(update_fields=["time_zone"])
            messages.success(request, f"Preferences saved. Times are now shown in {user.time_zone}.")
            return redirect("preferences")
        user.refresh_from_db(fields=["time_zone"])  # a ModelForm writes its input onto the instance
    return render(request, "accounts/preferences.html", {"form": form})
