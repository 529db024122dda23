"""API: invitations. Admins only; anyone else gets 403 before any look-up."""

from __future__ import annotations

from django.db.models import QuerySet
from ninja import Router, Status

from rapport.accounts.actions import invitations
from rapport.accounts.auth import AuthedRequest
from rapport.accounts.models import Invitation, Team, User
from rapport.accounts.schemas import InvitationIn, InvitationOut
from rapport.core.api import ObjectId
from rapport.core.errors import NotFound, PermissionDenied
from rapport.inboxes.selectors import access_inbox

router = Router(tags=["invitations"])


def _check_admin(user: User) -> None:
    # An inbox-limited token is less than an admin: it could invite someone to any inbox.
    if not user.is_admin or user.inbox_limit is not None:
        raise PermissionDenied("only admins can invite teammates")


def _invitations() -> QuerySet[Invitation]:
    return Invitation.objects.select_related("invited_by").prefetch_related("teams", "inboxes")


def access_invitation(user: User, invitation_id: int) -> Invitation:
    _check_admin(user)
    invitation = _invitations().filter(pk=invitation_id).first()
    if invitation is None:
        raise NotFound(f"invitation {invitation_id} not found")
    return invitation


@router.get("/invitations", response=list[InvitationOut], summary="List invitations")
def list_invitations(request: AuthedRequest) -> list[Invitation]:
    """Newest first, accepted and withdrawn ones included (see ``is_pending``)."""
    _check_admin(request.auth)
    return list(_invitations().order_by("-created_at", "-id"))


@router.post("/invitations", response={201: InvitationOut}, summary="Invite a teammate")
def create_invitation(request: AuthedRequest, payload: InvitationIn) -> Status[Invitation]:
    """E-mails a one-time link (through the outbox). 409 if the address has a seat or a
    pending invitation."""
    _check_admin(request.auth)
    teams = list(Team.objects.filter(pk__in=payload.team_ids))
    missing = set(payload.team_ids) - {team.pk for team in teams}
    if missing:
        raise NotFound(f"team {min(missing)} not found")
    inbox_ids = [access_inbox(request.auth, inbox_id).pk for inbox_id in payload.inbox_ids]
    invitation = invitations.invite_agent(
        actor=request.auth,
        email=payload.email,
        name=payload.name,
        role=payload.role,
        teams=teams,
        inbox_ids=inbox_ids,
    )
    return Status(201, access_invitation(request.auth, invitation.pk))


@router.post(
    "/invitations/{invitation_id}/resend",
    response=InvitationOut,
    summary="Send a new link (the old one stops working)",
)
def resend_invitation(request: AuthedRequest, invitation_id: ObjectId) -> Invitation:
    invitation = access_invitation(request.auth, invitation_id)
    invitations.resend_invitation(actor=request.auth, invitation=invitation)
    return access_invitation(request.auth, invitation_id)


@router.delete(
    "/invitations/{invitation_id}", response={204: None}, summary="Withdraw an invitation"
)
def revoke_invitation(request: AuthedRequest, invitation_id: ObjectId) -> Status[None]:
    invitation = access_invitation(request.auth, invitation_id)
    invitations.revoke_invitation(actor=request.auth, invitation=invitation)
    return Status(204, None)
