"""What a visitor's widget receives about a message: text as data, never markup."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from rapport.conversations.models import Attachment, Direction, Message

FILE_SALT = "rapport.chat.file"
FILE_MAX_AGE = 7 * 24 * 3600
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def file_url(attachment: Attachment) -> str:
    """A path the widget can put in <img src>: signed, because an image tag sends no token."""
    signed = signing.dumps(attachment.pk, salt=FILE_SALT)
    return reverse("chat-file", args=[signed])


def attachment_id_from(signed: str) -> int | None:
    try:
        return int(signing.loads(signed, salt=FILE_SALT, max_age=FILE_MAX_AGE))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def _attachment(attachment: Attachment) -> dict[str, object]:
    return {
        "name": attachment.filename,
        "type": attachment.content_type,
        "size": attachment.size,
        "url": file_url(attachment),
        "image": attachment.content_type in IMAGE_TYPES,
    }


def client_id(message: Message) -> str:
    """The widget's own name for a message it sent (``chat:<visitor>:<client id>``).

    Both the HTTP answer and the socket echo carry it, so whichever comes first replaces
    the "sending…" bubble and the other is recognised as the same message.
    """
    if message.direction != Direction.INBOUND or not message.external_id.startswith("chat:"):
        return ""
    return message.external_id.split(":", 2)[2]


def visitor_message(message: Message) -> dict[str, object]:
    """The widget's view of a message; the agent is shown by first name only."""
    from_visitor = message.direction == Direction.INBOUND
    author = "" if from_visitor or message.author is None else str(message.author).split()[0]
    return {
        "type": "message",
        "id": message.pk,
        "client_id": client_id(message),
        "conversation_id": message.conversation_id,
        "from": "visitor" if from_visitor else "agent",
        "author": author,
        "text": message.text,
        "created_at": message.created_at.isoformat(),
        "attachments": [_attachment(a) for a in message.attachments.all()],
    }
