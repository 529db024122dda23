"""Reading Telegram's Update objects (https://core.telegram.org/bots/api#update) into
customer messages. Only private chats with the bot are conversations: a bot added to a
group hears the group, and those messages are not a customer writing to the business.

- ``message``: text or caption; a photo (its largest size), file, voice, audio, video or
  sticker is named in the text here and downloaded later, in the job (``media.py``);
  a location or contact is written out in words.
- ``edited_message``: kept as a *new* message marked as an edit, not a change of the
  stored one: the agent may have read or answered the old words, and the timeline should
  show what changed and when. Its id is the message's id and the edit time.
- ``callback_query``: the customer pressed a button of an inline keyboard; shown as what
  they pressed. Telegram waits for ``answerCallbackQuery``, which the job sends
  (``TelegramChannel.complete``), never the webhook's answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from rapport.conversations.inbound import InboundMessage, Sender
from rapport.core.errors import ValidationFailed
from rapport.core.inbound import json_object
from rapport.customers.identities import normalize_address

logger = logging.getLogger(__name__)

ADDRESS_KIND = "telegram"

# The kinds of file a message can carry, with what the text says when there is no caption.
FILE_KINDS = {
    "document": "a file",
    "video": "a video",
    "voice": "a voice message",
    "audio": "an audio file",
    "video_note": "a video message",
    "animation": "an animation",
    "sticker": "a sticker",
}


@dataclass(frozen=True)
class TelegramFile:
    """A file the message carries, to download by ``file_id`` (``media.py``)."""

    file_id: str
    name: str
    size: int  # as Telegram declared it; 0 when it did not say


def read_body(body: bytes) -> dict[str, Any]:
    return json_object(body, what="a Telegram Update object")


def update_id(update: dict[str, Any]) -> int:
    found = update.get("update_id")
    if not isinstance(found, int) or isinstance(found, bool):
        raise ValidationFailed("the Update has no update_id")
    return found


def messages(update: dict[str, Any]) -> list[InboundMessage]:
    """The customer message in ``update`` (none for a group, or a kind not taken)."""
    update_id(update)
    found: InboundMessage | None
    if "message" in update:
        found = _message(_object(update, "message"), edited=False)
    elif "edited_message" in update:
        found = _message(_object(update, "edited_message"), edited=True)
    elif "callback_query" in update:
        found = _button_press(_object(update, "callback_query"))
    else:
        kinds = sorted(key for key in update if key != "update_id")
        logger.info("Telegram update %s ignored: it carries %s", update["update_id"], kinds)
        return []
    return [found] if found is not None else []


def _object(parent: dict[str, Any], key: str) -> dict[str, Any]:
    found = parent.get(key)
    if not isinstance(found, dict):
        raise ValidationFailed(f"{key} is not an object")
    return found


def _text(parent: dict[str, Any], key: str) -> str:
    found = parent.get(key, "")
    return found if isinstance(found, str) else ""


def _chat_is_private(message: dict[str, Any]) -> bool:
    chat = _object(message, "chat")
    if chat.get("type") == "private":
        return True
    logger.info(
        "Telegram message ignored: it was written in a %s chat, not a private chat with the"
        " bot (only private chats become conversations)",
        str(chat.get("type") or "unknown")[:20],
    )
    return False


def sender(user: dict[str, Any]) -> Sender:
    """The customer: their Telegram user id, named "First Last (@username)"."""
    user_id = user.get("id")
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise ValidationFailed("the sender has no Telegram user id")
    name = " ".join(part for part in (_text(user, "first_name"), _text(user, "last_name")) if part)
    username = _text(user, "username")
    if username:
        name = f"{name} (@{username})" if name else f"@{username}"
    return Sender(ADDRESS_KIND, normalize_address(ADDRESS_KIND, str(user_id)), name[:200])


def external_id(chat_id: object, message_id: object) -> str:
    """A message id is unique within its chat: the chat and the message."""
    return f"{chat_id}:{message_id}"


def _message(message: dict[str, Any], *, edited: bool) -> InboundMessage | None:
    if "message_id" not in message:
        raise ValidationFailed("the message has no message_id")
    if not _chat_is_private(message):
        return None
    chat_id = _object(message, "chat").get("id")
    key = external_id(chat_id, message["message_id"])
    if edited:
        key = f"{key}:edited:{message.get('edit_date', '')}"
    text = described(message)
    if edited:
        text = f"Edited an earlier message; it now reads:\n{text}"
    return InboundMessage(
        sender=sender(_object(message, "from")), text=text, external_id=key, raw=message
    )


def _button_press(query: dict[str, Any]) -> InboundMessage | None:
    message = query.get("message")
    if isinstance(message, dict) and "chat" in message and not _chat_is_private(message):
        return None
    query_id = _text(query, "id")
    if not query_id:
        raise ValidationFailed("the callback_query has no id")
    pressed = _text(query, "data") or _text(query, "game_short_name") or "a button"
    label = button_label(message, pressed) if isinstance(message, dict) else ""
    text = f"Pressed the button “{label or pressed}”"
    return InboundMessage(
        sender=sender(_object(query, "from")),
        text=text,
        external_id=f"callback:{query_id}",
        raw={"callback_query": query},
    )


def button_label(message: dict[str, Any], data: str) -> str:
    """The button's text, found in the keyboard of the message it was under."""
    markup = message.get("reply_markup")
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    for row in rows if isinstance(rows, list) else []:
        for button in row if isinstance(row, list) else []:
            if isinstance(button, dict) and button.get("callback_data") == data:
                return _text(button, "text")
    return ""


def described(message: dict[str, Any]) -> str:
    """The message's text, caption and what else it carries, in words."""
    parts = [_text(message, "text") or _text(message, "caption")]
    location = message.get("location")
    if isinstance(location, dict):
        lat, lon = location.get("latitude"), location.get("longitude")
        parts.append(
            f"Shared a location: {lat}, {lon}"
            f" (https://www.openstreetmap.org/?mlat={lat}&mlon={lon})"
        )
    contact = message.get("contact")
    if isinstance(contact, dict):
        who = " ".join(p for p in (_text(contact, "first_name"), _text(contact, "last_name")) if p)
        parts.append(f"Shared a contact: {who}, {_text(contact, 'phone_number')}".strip(", "))
    files = files_of(message)
    if files and not parts[0]:
        parts.append(f"Sent {_what(message)}.")
    text = "\n".join(part for part in parts if part)
    if not text:
        kinds = sorted(k for k in message if k not in ("message_id", "from", "chat", "date"))
        text = f"[A Telegram message Rapport cannot show: {', '.join(kinds[:5]) or 'empty'}]"
    return text


def _what(message: dict[str, Any]) -> str:
    if isinstance(message.get("photo"), list):
        return "a photo"
    for kind, words in FILE_KINDS.items():
        if isinstance(message.get(kind), dict):
            if kind == "sticker" and _text(message["sticker"], "emoji"):
                return f"a sticker {message['sticker']['emoji']}"
            return words
    return "a file"


def files_of(message: dict[str, Any]) -> list[TelegramFile]:
    """The files to download: the largest size of a photo, or the one file it carries."""
    found: list[TelegramFile] = []
    photo = message.get("photo")
    if isinstance(photo, list):
        sizes = [size for size in photo if isinstance(size, dict) and size.get("file_id")]
        if sizes:
            largest = max(sizes, key=lambda s: (_int(s.get("file_size")), _int(s.get("width"))))
            found.append(
                TelegramFile(str(largest["file_id"]), "photo.jpg", _int(largest.get("file_size")))
            )
    for kind in FILE_KINDS:
        item = message.get(kind)
        # An animation comes with the same file as its document too: fetched once.
        if not isinstance(item, dict) or not item.get("file_id"):
            continue
        if all(known.file_id != str(item["file_id"]) for known in found):
            name = _text(item, "file_name") or kind
            found.append(TelegramFile(str(item["file_id"]), name, _int(item.get("file_size"))))
    return found


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
