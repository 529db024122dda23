"""Adding to a customer message already stored: a voicemail's recording and transcription
on the missed call's message (a channel's ``MessageAddition``, ``inboxes/webhooks.py``)."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from rapport.conversations.actions.attachments import store_attachments
from rapport.conversations.actions.common import preview_of
from rapport.conversations.events import ConversationUpdated
from rapport.conversations.models import Conversation, Direction, Message
from rapport.core.events import publish
from rapport.inboxes.models import Inbox
from rapport.search import index


def add_to_message(
    *, inbox: Inbox, external_id: str, text: str = "", attachments: Sequence[UploadedFile] = ()
) -> bool:
    """Add ``text`` (a paragraph under the message's text) and ``attachments`` to the
    customer's message with the channel's ``external_id`` in ``inbox``. False when no such
    message is stored yet (the caller tries again later).

    Safe to run twice for one addition: text already in the message is not added again,
    nor a file whose name the message already has.
    """
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .select_related("conversation")
            .filter(inbox=inbox, external_id=external_id, direction=Direction.INBOUND)
            .first()
        )
        if message is None:
            return False
        text = text.strip()
        if text and text not in message.text:
            joined = f"{message.text}\n\n{text}" if message.text else text
            message.text = joined[: settings.RAPPORT_MAX_MESSAGE_CHARS]
            message.save(update_fields=["text"])
            _reindex(message)
        have = set(message.attachments.values_list("filename", flat=True))
        store_attachments(message, [file for file in attachments if file.name not in have])
        _note_on_conversation(message.conversation, message)
    return True


def _reindex(message: Message) -> None:
    conversation = message.conversation
    first = conversation.messages.order_by("id").values_list("id", flat=True).first()
    index.put_message(message.pk, message.text, conversation.subject if first == message.pk else "")


def _note_on_conversation(conversation: Conversation, message: Message) -> None:
    """The conversation's preview follows its latest message; agents with it open refresh."""
    latest = conversation.messages.order_by("-id").values_list("id", flat=True).first()
    if latest == message.pk:
        conversation.preview = preview_of(message.text)
        conversation.save(update_fields=["preview"])
    publish(
        ConversationUpdated(
            conversation_id=conversation.pk, inbox_id=conversation.inbox_id, fields=("messages",)
        )
    )
