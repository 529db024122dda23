"""Settings → Agents: who has a seat, with which role; invite, edit, deactivate."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from rapport.accounts import actions
from rapport.accounts.actions import invitations, two_factor
from rapport.accounts.forms import AgentEditForm, InviteForm
from rapport.accounts.models import Invitation, User
from rapport.accounts.views.common import admin, admin_only, form_page, refused
from rapport.core.errors import RapportError


@admin_only
def agent_list(request: HttpRequest) -> HttpResponse:
    people = User.objects.annotate(inbox_count=Count("inboxes", distinct=True)).order_by(
        "-is_active", "name"
    )
    waiting = Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True)
    waiting = waiting.select_related("invited_by").order_by("-created_at")
    context = {"agents": people, "invitations": waiting, "section": "agents"}
    return render(request, "accounts/settings/agents.html", context)


@admin_only
def agent_new(request: HttpRequest) -> HttpResponse:
    """Invite a teammate: they get a one-time link to choose their name and password."""

    def save(data: dict[str, Any]) -> str:
        invitation = invitations.invite_agent(
            actor=admin(request),
            email=data["email"],
            name=data["name"],
            role=data["role"],
            teams=data["teams"],
            inbox_ids=[inbox.pk for inbox in data["inboxes"]],
        )
        note = f"Invitation sent to {invitation.email}; the link works once, for 7 days"
        messages.success(request, note)
        return reverse("settings_agents")

    form = InviteForm(request.POST or None)
    context = {"section": "agents"}
    return form_page(request, form, "accounts/settings/agent_new.html", save, context)


@require_POST
@admin_only
def invitation_change(request: HttpRequest, invitation_id: int, change: str) -> HttpResponse:
    """``resend`` (a fresh link and week) or ``revoke`` a pending invitation."""
    invitation = get_object_or_404(Invitation, pk=invitation_id)
    try:
        if change == "resend":
            invitations.resend_invitation(actor=admin(request), invitation=invitation)
            messages.success(request, f"Sent a new link to {invitation.email}")
        else:
            invitations.revoke_invitation(actor=admin(request), invitation=invitation)
            messages.success(request, f"Withdrew the invitation of {invitation.email}")
    except RapportError as error:
        return refused(request, error)
    return redirect("settings_agents")


@admin_only
def agent_edit(request: HttpRequest, agent_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=agent_id)

    def save(data: dict[str, Any]) -> str:
        actions.update_agent(actor=admin(request), agent=person, **data)
        messages.success(request, f"Saved {person}")
        return reverse("settings_agents")

    form = AgentEditForm(request.POST or None, initial={"name": person.name, "role": person.role})
    context = {
        "section": "agents",
        "person": person,
        "two_factor_on": two_factor.is_enrolled(person),
    }
    return form_page(request, form, "accounts/settings/agent_edit.html", save, context)


@require_POST
@admin_only
def agent_two_factor_reset(request: HttpRequest, agent_id: int) -> HttpResponse:
    """Remove a staff member's authenticator (they lost their phone and recovery codes)."""
    person = get_object_or_404(User, pk=agent_id)
    two_factor.reset_by_admin(actor=admin(request), agent=person)
    messages.success(
        request, f"{person} signs in with their password alone until they set it up again"
    )
    return redirect("settings_agent", agent_id=person.pk)


@require_POST
@admin_only
def agent_active(request: HttpRequest, agent_id: int) -> HttpResponse:
    """Deactivate (``active=0``) or reactivate (``active=1``) a seat."""
    person = get_object_or_404(User, pk=agent_id)
    try:
        if request.POST.get("active") == "1":
            actions.reactivate_agent(actor=admin(request), agent=person)
            messages.success(request, f"{person} can sign in again")
        else:
            actions.deactivate_agent(actor=admin(request), agent=person)
            note = f"{person} is deactivated; their open conversations are unassigned"
            messages.success(request, note)
    except RapportError as error:
        return refused(request, error)
    return redirect("settings_agents")
