"""API: staff members (agents) and teams. Every signed-in staff member may read them."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpResponse
from ninja import Query, Router, Status
from pydantic import Field

from rapport.accounts import actions
from rapport.accounts.auth import AuthedRequest
from rapport.accounts.models import ApiToken, Team, User
from rapport.accounts.schemas import (
    AgentOut,
    ApiTokenCreatedOut,
    ApiTokenIn,
    ApiTokenOut,
    MeOut,
    TeamOut,
)
from rapport.accounts.selectors import access_api_token, visible_api_tokens
from rapport.accounts.tokens import carry_scope
from rapport.core.api import ObjectId, QuerySchema
from rapport.core.errors import NotFound
from rapport.inboxes.selectors import access_inbox

router = Router(tags=["agents"])
tokens_router = Router(tags=["API tokens"])


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
    me = _agents().get(pk=request.auth.pk)
    carry_scope(request.auth, me)  # so inbox_ids shows what this token may see
    return me


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


@tokens_router.get("/tokens", response=list[ApiTokenOut], summary="List API tokens")
def list_tokens(request: AuthedRequest) -> list[ApiToken]:
    """Admins see every token; everyone else the tokens acting as them or made by them."""
    return list(visible_api_tokens(request.auth).order_by("-created_at", "-id"))


@tokens_router.post("/tokens", response={201: ApiTokenCreatedOut}, summary="Create an API token")
def create_api_token(
    request: AuthedRequest, payload: ApiTokenIn, response: HttpResponse
) -> Status[ApiToken]:
    """The answer holds the token itself, once; it is never shown again."""
    user = request.auth
    if payload.user_id is not None and payload.user_id != user.pk:
        actions.check_may_act_for_others(user)  # before the look-up: no oracle of staff ids
        user = _agent(payload.user_id)
    token, plain = actions.create_api_token(
        actor=request.auth,
        user=user,
        name=payload.name,
        access=payload.access,
        inbox_ids=payload.inbox_ids,
        expires_at=payload.expires_at,
    )
    response["Cache-Control"] = "no-store"
    created = access_api_token(request.auth, token.pk)
    created.token = plain  # type: ignore[attr-defined]
    return Status(201, created)


@tokens_router.get("/tokens/{token_id}", response=ApiTokenOut, summary="One API token")
def get_token(request: AuthedRequest, token_id: ObjectId) -> ApiToken:
    return access_api_token(request.auth, token_id)


@tokens_router.delete("/tokens/{token_id}", response={204: None}, summary="Revoke an API token")
def revoke_token(request: AuthedRequest, token_id: ObjectId) -> Status[None]:
    """It stops working at once (within 5 seconds in other server processes)."""
    token = access_api_token(request.auth, token_id)
    actions.revoke_api_token(actor=request.auth, token=token)
    return Status(204, None)


def _agent(agent_id: int) -> User:
    agent = User.objects.filter(pk=agent_id).first()
    if agent is None:
        raise NotFound(f"agent {agent_id} not found")
    return agent
