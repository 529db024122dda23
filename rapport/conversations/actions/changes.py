"""Changing a conversation: assignment, status, priority, tags, snooze wake-ups."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from rapport.accounts.models import Team, User
from rapport.conversations.actions.common import check_may_change, move_count
from rapport.conversations.events import (
    ConversationAssigned,
    ConversationResolved,
    ConversationStatusChanged,
    ConversationUpdated,
)
from rapport.conversations.models import (
    Conversation,
    Priority,
    Status,
    Tag,
)
from rapport.core import audit
from rapport.core.errors import ValidationFailed
from rapport.core.events import publish
from rapport.inboxes.selectors import visible_inbox_ids


def assign_conversation(
    *,
    conversation: Conversation,
    actor: User | None,
    assignee: User | None,
    team: Team | None = None,
) -> Conversation:
    """Give the conversation to an agent and/or a team (None clears it)."""
    check_may_change(actor, conversation, "assign conversations")
    if assignee is not None and conversation.inbox_id not in visible_inbox_ids(assignee):
        raise ValidationFailed(f"{assignee} is not a member of this conversation's inbox")
    if assignee is not None and not assignee.can_reply:
        raise ValidationFailed(f"{assignee} has a light seat and cannot be assigned conversations")
    with transaction.atomic():
        old_assignee_id = conversation.assignee_id
        conversation.assignee = assignee
        conversation.team = team
        conversation.save(update_fields=["assignee", "team"])
        move_count(conversation, conversation.status, old_assignee_id)
        audit.record(
            actor=actor,
            verb="conversation.assigned",
            obj=conversation,
            assignee=assignee.pk if assignee else None,
            team=team.pk if team else None,
        )
        publish(
            ConversationAssigned(
                conversation_id=conversation.pk,
                inbox_id=conversation.inbox_id,
                assignee_id=conversation.assignee_id,
                team_id=conversation.team_id,
                actor_id=actor.pk if actor else None,
            )
        )
    return conversation


def change_status(
    *,
    conversation: Conversation,
    actor: User | None,
    status: str,
    snoozed_until: datetime | None = None,
) -> Conversation:
    """Open, set pending, snooze (until a time) or resolve a conversation."""
    check_may_change(actor, conversation, "change the status")
    if status not in Status.values:
        raise ValidationFailed(f"unknown status {status[:20]!r}; use one of {Status.values}")
    if status == Status.SNOOZED and (snoozed_until is None or snoozed_until <= timezone.now()):
        raise ValidationFailed("snoozing needs a time in the future to wake the conversation")
    with transaction.atomic():
        old_status = conversation.status
        conversation.status = status
        conversation.snoozed_until = snoozed_until if status == Status.SNOOZED else None
        if status == Status.RESOLVED:
            conversation.resolved_at = timezone.now()
            conversation.waiting_since = None
        conversation.save(update_fields=["status", "snoozed_until", "resolved_at", "waiting_since"])
        move_count(conversation, old_status, conversation.assignee_id)
        audit.record(
            actor=actor,
            verb="conversation.status_changed",
            obj=conversation,
            old=old_status,
            new=status,
        )
        publish(
            ConversationStatusChanged(
                conversation_id=conversation.pk,
                inbox_id=conversation.inbox_id,
                old_status=old_status,
                new_status=status,
                actor_id=actor.pk if actor else None,
            )
        )
        if status == Status.RESOLVED and old_status != Status.RESOLVED:
            publish(
                ConversationResolved(
                    conversation_id=conversation.pk, inbox_id=conversation.inbox_id
                )
            )
    return conversation


def set_priority(*, conversation: Conversation, actor: User | None, priority: int) -> Conversation:
    check_may_change(actor, conversation, "change the priority")
    if priority not in Priority.values:
        raise ValidationFailed(f"priority must be one of {Priority.values}")
    with transaction.atomic():
        old = conversation.priority
        conversation.priority = priority
        conversation.save(update_fields=["priority"])
        audit.record(
            actor=actor,
            verb="conversation.priority_changed",
            obj=conversation,
            old=old,
            new=priority,
        )
        publish(
            ConversationUpdated(
                conversation_id=conversation.pk,
                inbox_id=conversation.inbox_id,
                fields=("priority",),
            )
        )
    return conversation


def set_tags(*, conversation: Conversation, actor: User | None, names: Sequence[str]) -> list[Tag]:
    """Replace the conversation's tags; unknown tag names are created."""
    check_may_change(actor, conversation, "change tags")
    cleaned = sorted({name.strip().lower()[:50] for name in names if name.strip()})
    with transaction.atomic():
        tags = [Tag.objects.get_or_create(name=name)[0] for name in cleaned]
        conversation.tags.set(tags)
        audit.record(actor=actor, verb="conversation.tags_changed", obj=conversation, tags=cleaned)
        publish(
            ConversationUpdated(
                conversation_id=conversation.pk, inbox_id=conversation.inbox_id, fields=("tags",)
            )
        )
    return tags


def wake_snoozed(now: datetime | None = None) -> int:
    """Reopen snoozed conversations whose time has come; return how many."""
    now = now or timezone.now()
    due = Conversation.objects.filter(status=Status.SNOOZED, snoozed_until__lte=now)
    woken = 0
    for conversation in due[:500]:
        change_status(conversation=conversation, actor=None, status=Status.OPEN)
        woken += 1
    return woken
