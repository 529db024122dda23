"""Sending a reply through the Send API: text with quick replies, then each file.

POST {META_GRAPH_API_BASE}/<page id>/messages with the Page token, JSON ``{"recipient":
{"id": PSID}, "messaging_type": …, "message": {"text", "quick_replies"}}``. Files cannot be
sent by link from a private server, so each is uploaded with its message as a multipart
form (``filedata``, Meta's "upload and send"). Instagram changes the endpoint and the
upload (``InstagramChannel``).

Quick replies: an agent ends the reply with a line ``Quick replies: Yes | No | Call me``;
each becomes a button (at most 13, 20 characters each) and the line is not sent as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rapport.conversations.models import Attachment
from rapport.inboxes.adapters.messenger import graph
from rapport.outbox.errors import DeliveryError

QUICK_REPLIES = re.compile(
    r"\n?^quick (?:reply|replies):(?P<titles>.*)\Z", re.IGNORECASE | re.MULTILINE
)
MAX_QUICK_REPLIES = 13
QUICK_REPLY_TITLE = 20


@dataclass(frozen=True)
class Outgoing:
    """What one reply becomes: its text, its buttons and its files."""

    text: str
    quick_replies: list[dict[str, str]] = field(default_factory=list)
    files: list[Attachment] = field(default_factory=list)


def split_quick_replies(text: str) -> tuple[str, list[dict[str, str]]]:
    """The text without its last ``Quick replies:`` line, and the buttons it names."""
    found = QUICK_REPLIES.search(text.rstrip())
    if found is None or not text[: found.start()].strip():
        return text, []  # Meta puts buttons under a text: a lone line is sent as written
    titles = [t.strip() for t in found["titles"].split("|") if t.strip()]
    buttons = [
        {"content_type": "text", "title": t[:QUICK_REPLY_TITLE], "payload": t[:1000]}
        for t in titles[:MAX_QUICK_REPLIES]
    ]
    return text[: found.start()].rstrip(), buttons


def attachment_type(content_type: str) -> str:
    """Meta's attachment type for a file: image, video, audio or file."""
    main = content_type.split("/", 1)[0]
    return main if main in ("image", "video", "audio") else "file"


def read_file(attachment: Attachment) -> tuple[str, bytes, str]:
    with attachment.file.open("rb") as handle:
        return attachment.filename, handle.read(), attachment.content_type


@dataclass(frozen=True)
class Sender:
    """Sends one reply's parts to one person, in order; the first part's id is the reply's."""

    messages_path: str  # "<page id>/messages", or "me/messages"
    token: str
    recipient: str
    window_fields: dict[str, Any]  # messaging_type (and tag)

    def send(self, outgoing: Outgoing) -> str:
        ids: list[str] = []
        parts = len(outgoing.files) + (1 if outgoing.text else 0)
        if not parts:
            raise DeliveryError("the reply has neither text nor files", permanent=True)
        try:
            if outgoing.text:
                message: dict[str, Any] = {"text": outgoing.text}
                if outgoing.quick_replies:
                    message["quick_replies"] = outgoing.quick_replies
                ids.append(self.post(body=self._body(message)))
            for attachment in outgoing.files:
                ids.append(self.send_file(attachment))
        except graph.GraphError as error:
            raise self._failed(graph.delivery_error(error), ids, parts) from None
        except DeliveryError as error:
            raise self._failed(error, ids, parts) from None
        return ids[0]

    def _body(self, message: dict[str, Any]) -> dict[str, Any]:
        return {"recipient": {"id": self.recipient}, **self.window_fields, "message": message}

    def send_file(self, attachment: Attachment) -> str:
        """Upload and send in one request (Messenger)."""
        kind = attachment_type(attachment.content_type)
        form = self._body({"attachment": {"type": kind, "payload": {"is_reusable": False}}})
        return self.post(form=form, file=read_file(attachment))

    def post(self, **request: Any) -> str:
        """One Send API request; the id of the message Meta made of it."""
        return self._id(graph.post(self.messages_path, self.token, **request))

    @staticmethod
    def _id(answer: dict[str, Any]) -> str:
        found = answer.get("message_id")
        if not isinstance(found, str) or not found:
            raise DeliveryError("Meta's answer holds no message id", ambiguous=True)
        return found

    @staticmethod
    def _failed(error: DeliveryError, sent: list[str], parts: int) -> DeliveryError:
        """A failure after some parts went out is not tried again: that would send them
        twice. The agent is told what went out."""
        if not sent:
            return error
        return DeliveryError(
            f"{len(sent)} of {parts} parts of the reply were sent, the rest not: {error}",
            permanent=True,
        )
