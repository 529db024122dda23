"""API: staff members (agents) and teams. Every signed-in staff member may read them."""

from __future__ import annotations

from django.db.models import QuerySet
from ninja import Query, Router
from pydantic import Field

from rapport.accounts.auth import AuthedRequest
from rapport.accounts.models import Team, User
from rapport.accounts.schemas import AgentOut, MeOut, TeamOut
from rapport.core.api import ObjectId, QuerySchema
from rapport.core.errors import NotFound
from rapport.inboxes.selectors import access_inbox

router = Router(tags=["agents"])


def _agents() -> QuerySet[User]:
    return User.objects.prefetch_related("teams").order_by("name", "id")


class AgentQuery(QuerySchema):
    inbox_id: ObjectId | None = Field(default=None, description="Only this inbox's members.")


@router.get("/agents", response=list[AgentOut], summary="List active staff members")
def list_agents(request: AuthedRequest, params: Query[AgentQuery]) -> list[User]:
    """Everyone who can sign in, by name; ``inbox_id`` keeps the members of one inbox."""
    agents = _agents().filter(is_active=True)
    if params.inbox_id is not None:
        agents = agents.filter(inboxes=access_inbox(request.auth, params.inbox_id))
    return list(agents)


@router.get("/agents/me", response=MeOut, summary="The staff member making the request")
def get_me(request: AuthedRequest) -> User:
    return _agents().get(pk=request.auth.pk)


@router.get("/agents/{agent_id}", response=AgentOut, summary="One staff member")
def get_agent(request: AuthedRequest, agent_id: ObjectId) -> User:
    agent = _agents().filter(pk=agent_id).first()
    if agent is None:
        raise NotFound(f"agent {agent_id} not found")
    return agent


def _teams() -> QuerySet[Team]:
    return Team.objects.prefetch_related("members").order_by("name")


@router.get("/teams", response=list[TeamOut], summary="List teams")
def list_teams(request: AuthedRequest) -> list[Team]:
    return list(_teams())


@router.get("/teams/{team_id}", response=TeamOut, summary="One team with its members")
def get_team(request: AuthedRequest, team_id: ObjectId) -> Team:
    team = _teams().filter(pk=team_id).first()
    if team is None:
        raise NotFound(f"team {team_id} not found")
    return team
