"""Deleting a conversation: an admin's last resort (spam, a customer's erasure request).

Everything of it goes in one transaction — messages, notes, mentions, attachments' rows,
deliveries, its search index rows and its place in the inbox counts — with an audit entry
that outlives it, and ``conversation.deleted`` for the agents who have it on screen. The
attachments' files are removed only after the commit: a rollback must not leave rows
pointing at files that are gone.
"""

from __future__ import annotations

import logging

from django.core.files.storage import default_storage
from django.db import transaction

from rapport.accounts.models import User
from rapport.conversations import counts
from rapport.conversations.events import ConversationDeleted
from rapport.conversations.models import Attachment, Conversation, Message
from rapport.core import audit
from rapport.core.errors import PermissionDenied
from rapport.core.events import publish
from rapport.search import index

log = logging.getLogger(__name__)


def delete_conversation(*, conversation: Conversation, actor: User) -> None:
    """Delete ``conversation`` and everything in it. Only admins may."""
    if not actor.is_admin:
        raise PermissionDenied("only admins can delete conversations")
    with transaction.atomic():
        message_ids = list(
            Message.objects.filter(conversation=conversation).values_list("pk", flat=True)
        )
        files = list(
            Attachment.objects.filter(message__conversation=conversation).values_list(
                "file", flat=True
            )
        )
        audit.record(
            actor=actor,
            verb="conversation.deleted",
            obj=conversation,
            subject=conversation.subject,
            inbox=conversation.inbox_id,
            customer=conversation.customer_id,
            messages=len(message_ids),
            attachments=len(files),
        )
        counts.bump(conversation.inbox_id, (conversation.status, conversation.assignee_id), -1)
        index.remove_messages(message_ids)
        # Other agents' lists and open pages let go of it (after the commit, like every event).
        publish(
            ConversationDeleted(
                conversation_id=conversation.pk, inbox_id=conversation.inbox_id, actor_id=actor.pk
            )
        )
        conversation.delete()
        transaction.on_commit(lambda: _remove_files(files))


def _remove_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # already gone, or the disk refused: the rows are gone either way
            log.warning("could not remove the attachment file %s", name, exc_info=True)
