"""Sending a reply through the Cloud API: ``POST /{phone-number-id}/messages``.

What leaves depends on the reply's extras (kept as the message's ``raw`` by
``send_reply``): an approved template (``template``: name, language, components), quick-
reply buttons (``buttons``: up to three titles, sent as an interactive message), a file
(uploaded first with ``POST /{phone-number-id}/media``, then sent by its id, the text as
its caption), else plain text. Canned replies are already plain text in the box.
"""

from __future__ import annotations

from typing import Any

from rapport.conversations.models import Attachment, Message
from rapport.inboxes.adapters.whatsapp import graph
from rapport.outbox.errors import DeliveryError

MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_CAPTION = 1024


def send(config: dict[str, Any], to: str, message: Message) -> str:
    """Hand the reply to WhatsApp; its ``wamid``, or ``DeliveryError`` in words."""
    token = str(config.get("access_token", ""))
    phone_number_id = str(config.get("phone_number_id", ""))
    try:
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to.lstrip("+"),
            **content(message, token, phone_number_id),
        }
        answer = graph.call("POST", graph.url(phone_number_id, "messages"), token, json=payload)
    except graph.GraphError as error:
        raise DeliveryError(
            error.words,
            permanent=error.permanent,
            retry_after=error.retry_after,
            ambiguous=error.status == -1,
        ) from None
    sent = answer.get("messages")
    wamid = (
        sent[0].get("id") if isinstance(sent, list) and sent and isinstance(sent[0], dict) else None
    )
    if not isinstance(wamid, str) or not wamid:
        raise DeliveryError("WhatsApp's answer holds no message id", ambiguous=True)
    return wamid


def content(message: Message, token: str, phone_number_id: str) -> dict[str, Any]:
    """The part of the payload that says what is sent."""
    extras = message.raw if isinstance(message.raw, dict) else {}
    if isinstance(extras.get("template"), dict):
        return {"type": "template", "template": extras["template"]}
    files = list(message.attachments.all())
    if files:
        return media(files[0], message.text, token, phone_number_id)
    buttons = [str(b) for b in extras.get("buttons") or [] if str(b).strip()]
    if buttons:
        return {"type": "interactive", "interactive": interactive(message.text, buttons)}
    return {"type": "text", "text": {"preview_url": False, "body": message.text}}


def interactive(text: str, buttons: list[str]) -> dict[str, Any]:
    """A text with up to three quick-reply buttons; the customer's press comes back as
    an ``interactive`` ``button_reply`` with the title."""
    return {
        "type": "button",
        "body": {"text": text[:MAX_CAPTION]},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": f"button-{n}", "title": title[:MAX_BUTTON_TITLE]}}
                for n, title in enumerate(buttons[:MAX_BUTTONS], start=1)
            ]
        },
    }


def media(attachment: Attachment, text: str, token: str, phone_number_id: str) -> dict[str, Any]:
    """Upload the file, then send it by the id WhatsApp gave it, the text as caption."""
    kind = media_kind(attachment.content_type)
    with attachment.file.open("rb") as handle:
        uploaded = graph.call(
            "POST",
            graph.url(phone_number_id, "media"),
            token,
            data={"messaging_product": "whatsapp", "type": attachment.content_type},
            files={"file": (attachment.filename, handle, attachment.content_type)},
        )
    media_id = uploaded.get("id")
    if not isinstance(media_id, str) or not media_id:
        raise graph.GraphError("WhatsApp took the file but gave no media id")
    part: dict[str, Any] = {"id": media_id}
    if text and kind != "audio":  # voice and audio take no caption
        part["caption"] = text[:MAX_CAPTION]
    if kind == "document":
        part["filename"] = attachment.filename
    return {"type": kind, kind: part}


def media_kind(content_type: str) -> str:
    """The message type WhatsApp sends a file of this type as."""
    main = content_type.split("/")[0]
    if content_type in ("image/jpeg", "image/png"):
        return "image"
    if main in ("video", "audio"):
        return main
    return "document"
