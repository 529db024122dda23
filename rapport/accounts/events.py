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
