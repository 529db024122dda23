"""Invitations: the actions that invite a teammate, resend, revoke, and accept.

The link's secret is 32 random bytes; only its SHA-256 is stored, and accepting marks the
invitation used with one conditional UPDATE, so a link works once even when two tabs
submit it together. The e-mail leaves through the outbox like every notification: the
action publishes ``invitation.mailed`` and conversations' subscriber queues the delivery.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from rapport.accounts.events import InvitationMailed
from rapport.accounts.models import Invitation, Role, Team, User
from rapport.core import audit
from rapport.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rapport.core.events import publish

VALID_FOR = timedelta(days=7)


class InvitationGone(ValidationFailed):
    """The link was used, revoked or has expired: the page says which (410 Gone)."""

    status_code = 410


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def link_for(secret: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/invitations/{secret}"


def invite_agent(
    *,
    actor: User,
    email: str,
    role: str,
    name: str = "",
    teams: Iterable[Team] = (),
    inbox_ids: Iterable[int] = (),
) -> Invitation:
    """Invite ``email`` to a seat; the link is e-mailed (through the outbox)."""
    _check_admin(actor)
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationFailed(f"role must be one of {Role.values}")
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(f"{email} already has a seat")
    if _pending(email).exists():
        raise Conflict(f"{email} is already invited; resend or revoke that invitation")
    with transaction.atomic():
        invitation = Invitation.objects.create(
            email=email,
            name=name.strip()[:150],
            role=role,
            invited_by=actor,
            secret_hash="",
            expires_at=timezone.now() + VALID_FOR,
        )
        invitation.teams.set(list(teams))
        invitation.inboxes.set(list(inbox_ids))
        _send(invitation, actor)
        audit.record(actor=actor, verb="invitation.created", obj=invitation, email=email, role=role)
    return invitation


def resend_invitation(*, actor: User, invitation: Invitation) -> Invitation:
    """A fresh link (the old one stops working) and a fresh week."""
    _check_admin(actor)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise Conflict("that invitation was already used or revoked; invite them again")
    with transaction.atomic():
        invitation.expires_at = timezone.now() + VALID_FOR
        _send(invitation, actor)
        audit.record(actor=actor, verb="invitation.resent", obj=invitation)
    return invitation


def revoke_invitation(*, actor: User, invitation: Invitation) -> Invitation:
    _check_admin(actor)
    if invitation.accepted_at is not None:
        raise Conflict(f"{invitation.email} already accepted; deactivate their seat instead")
    with transaction.atomic():
        invitation.revoked_at = invitation.revoked_at or timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit.record(actor=actor, verb="invitation.revoked", obj=invitation)
    return invitation


def find_invitation(secret: str) -> Invitation:
    """The invitation behind a link, if it can still be accepted; otherwise a clear refusal."""
    invitation = Invitation.objects.filter(secret_hash=_hash(secret)).first() if secret else None
    if invitation is None:
        raise NotFound("this invitation link is not valid; check that it was copied whole")
    if invitation.accepted_at is not None:
        raise InvitationGone("this invitation was already used; sign in with your e-mail")
    if invitation.revoked_at is not None:
        raise InvitationGone("this invitation was withdrawn; ask an admin for a new one")
    if invitation.is_expired:
        raise InvitationGone("this invitation has expired; ask an admin to send it again")
    return invitation


def accept_invitation(*, secret: str, name: str, password: str) -> User:
    """Create the invitee's seat from the invitation, once."""
    from rapport.accounts.actions import check_password_strength

    invitation = find_invitation(secret)
    if not name.strip():
        raise ValidationFailed("tell your teammates your name")
    check_password_strength(password, User(email=invitation.email, name=name))
    now = timezone.now()
    try:
        with transaction.atomic():
            taken = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True)
            if taken.update(accepted_at=now) != 1:  # another tab was quicker
                raise InvitationGone("this invitation was already used; sign in with your e-mail")
            user = _create_seat(invitation, name, password)
            Invitation.objects.filter(pk=invitation.pk).update(accepted_by=user)
            audit.record(actor=user, verb="invitation.accepted", obj=invitation, user=user.pk)
    except IntegrityError:
        raise Conflict(f"{invitation.email} already has a seat; sign in instead") from None
    return user


def _create_seat(invitation: Invitation, name: str, password: str) -> User:
    user = User.objects.create_user(
        invitation.email, password, name=name.strip()[:150], role=invitation.role
    )
    user.teams.set(list(invitation.teams.all()))
    for inbox in invitation.inboxes.all():
        inbox.members.add(user)
    audit.record(actor=user, verb="agent.created", obj=user, email=user.email, role=user.role)
    return user


def _pending(email: str) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )


def _check_admin(actor: User) -> None:
    if not actor.is_admin:
        raise PermissionDenied("only admins can invite teammates")


def _send(invitation: Invitation, actor: User) -> None:
    """A new secret on the invitation, and the e-mail with its link for the outbox (queued
    after commit by the ``invitation.mailed`` subscriber)."""
    secret = secrets.token_urlsafe(32)
    invitation.secret_hash = _hash(secret)
    invitation.save(update_fields=["secret_hash", "expires_at"])
    until = timezone.localtime(invitation.expires_at).strftime("%-d %B %Y")
    body = (
        f"{actor} invited you to answer customers with them in Rapport, "
        f"as {invitation.get_role_display().lower()}.\n\n"
        f"Choose your name and password here (the link works once, until {until}):\n\n"
        f"{link_for(secret)}\n\n"
        "If you did not expect this, ignore this e-mail.\n"
    )
    subject = f"{actor} invited you to Rapport"
    publish(
        InvitationMailed(
            invitation_id=invitation.pk, to=invitation.email, subject=subject, body=body
        )
    )
