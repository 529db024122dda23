"""What the API shows of staff members and teams."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from rapport.accounts.models import ApiToken, Invitation, Team, TwoFactor, User
from rapport.core.api import ObjectId, Text
from rapport.inboxes.selectors import visible_inbox_ids


class AgentRef(Schema):
    """A staff member as other objects mention them (assignee, author)."""

    id: int
    name: str


class TeamRef(Schema):
    id: int
    name: str


class AgentOut(Schema):
    """A staff member (an agent in the UI's words, whatever their role)."""

    id: int
    name: str
    email: str
    role: str
    can_reply: bool
    is_active: bool
    team_ids: list[int]

    @staticmethod
    def resolve_team_ids(obj: User) -> list[int]:
        # Reads the prefetched teams; callers load them with prefetch_related("teams").
        return [team.pk for team in obj.teams.all()]


class MeOut(AgentOut):
    """The caller, with the inboxes they may see."""

    sees_all_inboxes: bool
    inbox_ids: list[int]

    two_factor_enabled: bool = Field(description="Whether signing in asks for a TOTP code.")

    @staticmethod
    def resolve_inbox_ids(obj: User) -> list[int]:
        return visible_inbox_ids(obj)

    @staticmethod
    def resolve_two_factor_enabled(obj: User) -> bool:
        return TwoFactor.objects.filter(user=obj, confirmed_at__isnull=False).exists()


class TeamOut(Schema):
    id: int
    name: str
    member_ids: list[int]

    @staticmethod
    def resolve_member_ids(obj: Team) -> list[int]:
        return [member.pk for member in obj.members.all()]


class ApiTokenIn(Schema):
    """A new API token. It acts as you (admins may name someone else) and never holds more
    than you: ``read`` refuses every change, and ``inbox_ids`` narrows it to those inboxes."""

    name: Text = Field(min_length=1, max_length=100, description="What will use it.")
    access: Literal["full", "read"] = Field(
        default="full", description="read: GET only; any other method answers 403."
    )
    inbox_ids: list[ObjectId] | None = Field(
        default=None,
        max_length=1000,
        description="Only these inboxes (others answer 404); null: every inbox you see.",
    )
    expires_at: datetime | None = Field(
        default=None, description="When it stops working (in the future); null: never."
    )
    user_id: ObjectId | None = Field(
        default=None, description="Admins only: the staff member it acts as; null: you."
    )


class ApiTokenOut(Schema):
    """An API token as listed: never its secret."""

    id: int
    name: str
    prefix: str = Field(description="The token starts rpt_<prefix>_.")
    access: str
    inbox_ids: list[int] | None = Field(description="null: every inbox its user sees")
    user: AgentRef
    created_by: AgentRef | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    is_active: bool

    @staticmethod
    def resolve_inbox_ids(obj: ApiToken) -> list[int] | None:
        if not obj.limited_to_inboxes:
            return None
        return sorted(inbox.pk for inbox in obj.inboxes.all())


class ApiTokenCreatedOut(ApiTokenOut):
    token: str = Field(description="The token itself: shown this once, never again.")


class InvitationIn(Schema):
    """Invite a teammate: they get an e-mail with a one-time link, valid for 7 days."""

    email: Text = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    name: Text = Field(default="", max_length=150, description="A suggestion; they choose.")
    role: Literal["admin", "supervisor", "agent", "light"] = "agent"
    team_ids: list[ObjectId] = Field(default_factory=list, max_length=100)
    inbox_ids: list[ObjectId] = Field(default_factory=list, max_length=1000)


class InvitationOut(Schema):
    """An invitation; its link is only ever in the e-mail."""

    id: int
    email: str
    name: str
    role: str
    team_ids: list[int]
    inbox_ids: list[int]
    invited_by: AgentRef | None
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None
    is_pending: bool

    @staticmethod
    def resolve_team_ids(obj: Invitation) -> list[int]:
        return sorted(team.pk for team in obj.teams.all())

    @staticmethod
    def resolve_inbox_ids(obj: Invitation) -> list[int]:
        return sorted(inbox.pk for inbox in obj.inboxes.all())
