"""Settings → Teams: create, rename, choose members."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from rapport.accounts import actions
from rapport.accounts.forms import TeamForm
from rapport.accounts.models import Team, User
from rapport.accounts.views.common import admin, admin_only, form_page


@admin_only
def team_list(request: HttpRequest) -> HttpResponse:
    members = Prefetch("members", queryset=User.objects.filter(is_active=True).order_by("name"))
    teams = Team.objects.prefetch_related(members)
    return render(request, "accounts/settings/teams.html", {"teams": teams, "section": "teams"})


@admin_only
def team_new(request: HttpRequest) -> HttpResponse:
    def save(data: dict[str, Any]) -> str:
        team = actions.create_team(actor=admin(request), **data)
        messages.success(request, f"Created the team {team}")
        return reverse("settings_teams")

    form = TeamForm(request.POST or None)
    context = {"section": "teams"}
    return form_page(request, form, "accounts/settings/team_form.html", save, context)


@admin_only
def team_edit(request: HttpRequest, team_id: int) -> HttpResponse:
    team = get_object_or_404(Team, pk=team_id)

    def save(data: dict[str, Any]) -> str:
        actions.update_team(actor=admin(request), team=team, **data)
        messages.success(request, f"Saved the team {team}")
        return reverse("settings_teams")

    initial = {"name": team.name, "members": list(team.members.all())}
    form = TeamForm(request.POST or None, initial=initial)
    context = {"section": "teams", "team": team}
    return form_page(request, form, "accounts/settings/team_form.html", save, context)
