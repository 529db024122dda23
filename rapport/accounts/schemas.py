"""What the API shows of staff members and teams."""

from __future__ import annotations

from ninja import Schema

from rapport.accounts.models import Team, User
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

    @staticmethod
    def resolve_inbox_ids(obj: User) -> list[int]:
        return visible_inbox_ids(obj)


class TeamOut(Schema):
    id: int
    name: str
    member_ids: list[int]

    @staticmethod
    def resolve_member_ids(obj: Team) -> list[int]:
        return [member.pk for member in obj.members.all()]
