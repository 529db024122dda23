"""Subscribers of other apps' events that change conversations (listed in config/events.py).

Each one calls this app's actions, so tab counts, audit and events stay right.
"""

from __future__ import annotations

from rapport.accounts.events import AgentDeactivated
from rapport.accounts.models import User
from rapport.conversations.actions import assign_conversation
from rapport.conversations.models import Conversation, Status


def unassign_deactivated_agent(event: AgentDeactivated) -> None:
    """A deactivated agent's unresolved conversations go back to their team's queue."""
    agent = User.objects.get(pk=event.agent_id)
    actor = User.objects.get(pk=event.actor_id)
    unresolved = Conversation.objects.filter(assignee=agent).exclude(status=Status.RESOLVED)
    for conversation in unresolved.select_related("team"):
        assign_conversation(
            conversation=conversation, actor=actor, assignee=None, team=conversation.team
        )
