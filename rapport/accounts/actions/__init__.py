"""Every write to staff, teams and API tokens. The settings pages and the CLI call these.
Two-factor sign-in and invitations have their own modules beside this one
(``actions/two_factor.py``, ``actions/invitations.py``).

Each action runs in one transaction and writes an audit entry next to its change.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rapport.accounts.events import AgentDeactivated
from rapport.accounts.models import ApiToken, Role, Team, TokenAccess, User
from rapport.accounts.tokens import create_token, revoke_token
from rapport.core import audit
from rapport.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rapport.core.events import publish


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise ValidationFailed(f"role must be one of {Role.values}")


def check_password_strength(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationFailed(" ".join(error.messages)) from None


def create_agent(*, actor: User, email: str, name: str, role: str, password: str) -> User:
    """Give a staff member a seat: they sign in with ``email`` and ``password``."""
    email = email.strip().lower()
    _check_role(role)
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(f"{email} already has a seat")
    check_password_strength(password)
    with transaction.atomic():
        agent = User.objects.create_user(email, password, name=name.strip(), role=role)
        audit.record(actor=actor, verb="agent.created", obj=agent, email=email, role=role)
    return agent


def _last_active_admin(agent: User) -> bool:
    admins = User.objects.filter(role=Role.ADMIN, is_active=True).exclude(pk=agent.pk)
    return agent.role == Role.ADMIN and agent.is_active and not admins.exists()


def update_agent(*, actor: User, agent: User, name: str, role: str) -> User:
    """Rename a staff member or change their role (never leaving Rapport without an admin)."""
    _check_role(role)
    if role != Role.ADMIN and _last_active_admin(agent):
        raise ValidationFailed(
            "Rapport needs at least one active admin; make someone else admin first"
        )
    with transaction.atomic():
        old_role = agent.role
        agent.name = name.strip()
        agent.role = role
        agent.save(update_fields=["name", "role"])
        audit.record(actor=actor, verb="agent.updated", obj=agent, old_role=old_role, role=role)
    return agent


def deactivate_agent(*, actor: User, agent: User) -> User:
    """Take a seat away: they can no longer sign in and their open work goes back to the queue."""
    if agent.pk == actor.pk:
        raise ValidationFailed("you cannot deactivate yourself")
    if _last_active_admin(agent):
        raise ValidationFailed("Rapport needs at least one active admin")
    with transaction.atomic():
        agent.is_active = False
        agent.save(update_fields=["is_active"])
        audit.record(actor=actor, verb="agent.deactivated", obj=agent)
        # Their open conversations go back to the queue through the conversations app's
        # own action, after this commit (config/events.py lists who hears this).
        publish(AgentDeactivated(agent_id=agent.pk, actor_id=actor.pk))
    return agent


def reactivate_agent(*, actor: User, agent: User) -> User:
    with transaction.atomic():
        agent.is_active = True
        agent.save(update_fields=["is_active"])
        audit.record(actor=actor, verb="agent.reactivated", obj=agent)
    return agent


def _team_name(name: str, team: Team | None = None) -> str:
    name = name.strip()
    if not name:
        raise ValidationFailed("a team needs a name")
    clash = Team.objects.filter(name__iexact=name)
    if team is not None:
        clash = clash.exclude(pk=team.pk)
    if clash.exists():
        raise Conflict(f"there is already a team called {name}")
    return name[:100]


def create_team(*, actor: User, name: str, members: Iterable[User] = ()) -> Team:
    with transaction.atomic():
        team = Team.objects.create(name=_team_name(name))
        team.members.set(list(members))
        audit.record(actor=actor, verb="team.created", obj=team, name=team.name)
    return team


def update_team(*, actor: User, team: Team, name: str, members: Iterable[User]) -> Team:
    """Rename a team and set who is in it."""
    chosen = list(members)
    with transaction.atomic():
        team.name = _team_name(name, team)
        team.save(update_fields=["name"])
        team.members.set(chosen)
        audit.record(
            actor=actor,
            verb="team.updated",
            obj=team,
            name=team.name,
            members=sorted(member.pk for member in chosen),
        )
    return team


def create_api_token(
    *,
    actor: User,
    user: User,
    name: str,
    access: str = TokenAccess.FULL,
    inbox_ids: Iterable[int] | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new API token acting as ``user``; the plain token is returned once, never stored.

    It never holds more than whoever makes it: only admins make tokens for someone else,
    its inboxes must be ones both can see, and a token making a token passes on its own
    limits (inboxes, expiry).
    """
    if not name.strip():
        raise ValidationFailed("name the token after what will use it, e.g. 'Shop integration'")
    if access not in TokenAccess.values:
        raise ValidationFailed(f"access must be one of {TokenAccess.values}")
    if user.pk != actor.pk:
        check_may_act_for_others(actor)
    if not user.is_active:
        raise ValidationFailed(f"{user} is deactivated and cannot own a token")
    chosen = _token_inboxes(actor, user, inbox_ids)
    expires_at = _token_expiry(actor, expires_at)
    with transaction.atomic():
        token, plain = create_token(
            user=user,
            name=name.strip(),
            created_by=actor,
            access=access,
            inbox_ids=chosen,
            expires_at=expires_at,
        )
        audit.record(
            actor=actor,
            verb="api_token.created",
            obj=token,
            user=user.pk,
            name=token.name,
            access=access,
            inboxes=None if chosen is None else sorted(chosen),
            expires_at=expires_at.isoformat() if expires_at else None,
        )
    return token, plain


def check_may_act_for_others(actor: User) -> None:
    if not actor.is_admin:
        raise PermissionDenied("only admins can make a token that acts as someone else")


def _token_inboxes(actor: User, user: User, inbox_ids: Iterable[int] | None) -> list[int] | None:
    """The inboxes a new token is limited to (None: all ``user`` sees), each one visible to
    both ``user`` and ``actor``; one that is not is "not found", as everywhere."""
    from rapport.inboxes.selectors import visible_inbox_ids

    if inbox_ids is None:
        if actor.inbox_limit is None:
            return None
        inbox_ids = actor.inbox_limit  # a limited token passes its limit on
    chosen = sorted(set(inbox_ids))
    allowed = set(visible_inbox_ids(actor)) & set(visible_inbox_ids(user))
    for inbox_id in chosen:
        if inbox_id not in allowed:
            raise NotFound(f"inbox {inbox_id} not found")
    return chosen


def _token_expiry(actor: User, expires_at: datetime | None) -> datetime | None:
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationFailed("expires_at must be in the future")
    limit = actor.token_expires_at  # made with a token: no later than that token expires
    if limit is not None and (expires_at is None or expires_at > limit):
        return limit
    return expires_at


def revoke_api_token(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke a token: its owner, its creator or any admin may."""
    if not may_manage_token(actor, token):
        raise NotFound(f"API token {token.pk} not found")
    with transaction.atomic():
        revoke_token(token)
        audit.record(actor=actor, verb="api_token.revoked", obj=token)
    return token


def may_manage_token(actor: User, token: ApiToken) -> bool:
    admin = actor.is_admin and actor.inbox_limit is None
    return admin or actor.pk in {token.user_id, token.created_by_id}
