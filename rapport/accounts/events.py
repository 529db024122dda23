"""The events the accounts app publishes. Names are the constants subscribers use."""

from __future__ import annotations

from dataclasses import dataclass

from rapport.core.events import Event


@dataclass(frozen=True)
class AgentDeactivated(Event):
    """An agent lost their seat. Apps above accounts react (conversations unassigns their
    open work), so accounts needs to know none of them."""

    name = "agent.deactivated"
    agent_id: int
    actor_id: int


@dataclass(frozen=True)
class InvitationMailed(Event):
    """An invitation's e-mail is ready to leave (sent or resent). Conversations' outbox
    queues it, so accounts needs no outbox of its own. ``body`` holds the one-time link:
    the event lives only in this process, until the outbox row is written."""

    name = "invitation.mailed"
    invitation_id: int
    to: str
    subject: str
    body: str
