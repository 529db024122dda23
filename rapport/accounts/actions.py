"""Every write to staff, teams and API tokens. The settings pages and the CLI call these.

Each action runs in one transaction and writes an audit entry next to its change.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from rapport.accounts.events import AgentDeactivated
from rapport.accounts.models import ApiToken, Role, Team, User
from rapport.accounts.tokens import create_token, revoke_token
from rapport.core import audit
from rapport.core.errors import Conflict, ValidationFailed
from rapport.core.events import publish


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise ValidationFailed(f"role must be one of {Role.values}")


def _check_password(password: str, user: User | None = None) -> None:
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
    _check_password(password)
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


def create_api_token(*, actor: User, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token acting as ``user``; the plain token is returned once, never stored."""
    if not name.strip():
        raise ValidationFailed("name the token after what will use it, e.g. 'Shop integration'")
    if not user.is_active:
        raise ValidationFailed(f"{user} is deactivated and cannot own a token")
    with transaction.atomic():
        token, plain = create_token(user=user, name=name.strip())
        audit.record(
            actor=actor, verb="api_token.created", obj=token, user=user.pk, name=token.name
        )
    return token, plain


def revoke_api_token(*, actor: User, token: ApiToken) -> ApiToken:
    with transaction.atomic():
        revoke_token(token)
        audit.record(actor=actor, verb="api_token.revoked", obj=token)
    return token
