"""Teams of the tenant: the list, a team's members, deleting a team."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.decorators import super_admin_required
from accounts.models import Team, User
from accounts.views.settings.base import user_or_404, uuid_or_404
from accounts.views.settings.forms import TeamForm, TeamMemberForm
from core.forms import add_errors, error_text


def team_or_404(actor: User, team_id) -> Team:
    team = account_selectors.team_get(actor=actor, team_id=uuid_or_404(team_id))
    if team is None:
        raise Http404("No such team.")
    return team


@super_admin_required
def team_list(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = account_services.team_create(actor=request.user, name=form.cleaned_data["name"])
        except (ValidationError, PermissionDenied) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Created the team {team.name}. Add its members next.")
            return redirect("settings_team_detail", team_id=team.pk)
    teams = account_selectors.team_list(actor=request.user)
    return render(request, "settings/team_list.html", {"section": "teams", "teams": teams, "form": form})


@super_admin_required
def team_detail(request: HttpRequest, team_id) -> HttpResponse:
    actor = request.user
    team = team_or_404(actor, team_id)
    form = TeamMemberForm(request.POST if "add" in request.POST else None, actor=actor, team=team)
    if "remove" in request.POST:
        user = user_or_404(actor, request.POST["remove"])
        try:
            account_services.team_member_remove(actor=actor, team=team, user=user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, f"Removed {user.email} from {team.name}.")
        return redirect("settings_team_detail", team_id=team.pk)
    if form.is_bound and form.is_valid():
        user = user_or_404(actor, form.cleaned_data["user"])
        try:
            account_services.team_member_add(actor=actor, team=team, user=user)
        except (ValidationError, PermissionDenied) as exc:
            add_errors(form, exc)
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
    team = team_or_404(request.user, team_id)
    if request.method == "POST":
        try:
            account_services.team_delete(actor=request.user, team=team)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
            return redirect("settings_team_detail", team_id=team.pk)
        messages.success(request, f"Deleted the team {team.name}.")
        return redirect("settings_teams")
    return render(
        request,
        "settings/team_delete.html",
        {"section": "teams", "team": team, "members": team.members.count(), "records": team.records.count()},
    )
