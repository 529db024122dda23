"""Adding to a customer message already stored: a voicemail's recording and transcription
on the missed call's message (a channel's ``MessageAddition``, ``inboxes/webhooks.py``),
a file fetched on a later try in place of its "could not be fetched yet" note."""

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
    *,
    inbox: Inbox,
    external_id: str,
    text: str = "",
    attachments: Sequence[UploadedFile] = (),
    replacing: str = "",
) -> bool:
    """Add ``text`` (a paragraph under the message's text) and ``attachments`` to the
    customer's message with the channel's ``external_id`` in ``inbox``. False when no such
    message is stored yet (the caller tries again later).

    ``replacing`` is a line of the message's text (a channel's note, "could not be fetched
    yet") that ``text`` takes the place of; an empty ``text`` removes the line. When that
    line is not there, ``text`` is added as usual.

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
        if replacing and replacing in message.text.split("\n"):
            _set_text(message, _replaced(message.text, replacing, text))
        elif text and text not in message.text:
            _set_text(message, f"{message.text}\n\n{text}" if message.text else text)
        have = set(message.attachments.values_list("filename", flat=True))
        store_attachments(message, [file for file in attachments if file.name not in have])
        _note_on_conversation(message.conversation, message)
    return True


def _replaced(text: str, line: str, new: str) -> str:
    """``text`` with ``line`` become ``new``, or gone when ``new`` is empty."""
    lines = text.split("\n")
    return "\n".join(new if each == line else each for each in lines if new or each != line)


def _set_text(message: Message, text: str) -> None:
    message.text = text[: settings.RAPPORT_MAX_MESSAGE_CHARS]
    message.save(update_fields=["text"])
    _reindex(message)


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
