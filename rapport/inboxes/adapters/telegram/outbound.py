"""Sending an agent's reply through the Bot API, and what Telegram's errors mean.

Text goes by ``sendMessage`` (up to 4096 characters), with an inline keyboard when the
reply ends with a "Quick replies: A | B" line (``keyboard``); each attachment by ``sendPhoto``
(pictures Telegram shows inline) or ``sendDocument`` as a multipart upload, the text as
the first file's caption when it fits (1024 characters), else as a message before them.

Errors: 429 waits ``parameters.retry_after`` seconds; 5xx and a connection that never
opened are tried again; a timeout may have delivered it (a person decides); 403 ("bot was
blocked by the user") and every other 4xx are permanent, shown with Telegram's words. When
a reply goes as several messages and a later one fails, it is never sent again whole (that
would repeat what arrived): the delivery is left for a person, or failed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from rapport.inboxes.adapters.messenger.outbound import split_quick_replies
from rapport.inboxes.adapters.telegram import api
from rapport.outbox.errors import DeliveryError

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64  # bytes
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")


def keyboard(text: str) -> tuple[str, dict[str, Any] | None]:
    """The text without its last "Quick replies: Yes | No" line (the convention Messenger's
    reply box has too), and those buttons as an inline keyboard, one button a row. A press
    comes back as a callback_query whose data is the button's text (64 bytes at most)."""
    text, buttons = split_quick_replies(text)
    if not buttons:
        return text, None
    rows = [
        [{"text": b["payload"][:100], "callback_data": _bytes_cut(b["payload"], MAX_CALLBACK_DATA)}]
        for b in buttons
    ]
    return text, {"inline_keyboard": rows}


def _bytes_cut(value: str, limit: int) -> str:
    return value.encode()[:limit].decode(errors="ignore")


def send(token: str, chat_id: str, text: str, files: Sequence[Any]) -> str:
    """Send ``text`` and ``files`` (``Attachment`` rows) to ``chat_id``; the id of the first
    message Telegram made ("<chat>:<message id>"), or ``DeliveryError``."""
    ids: list[str] = []
    text, markup = keyboard(text)
    caption = text if files and len(text) <= MAX_CAPTION else ""
    try:
        if text and not caption:
            message = {"chat_id": chat_id, "text": text[:MAX_TEXT]}
            ids.append(_call(token, "sendMessage", message | _markup(markup)))
            markup = None  # the buttons go once, under the text
        for number, attachment in enumerate(files):
            extra = _markup(markup) if number == 0 else {}
            ids.append(
                _send_file(token, chat_id, attachment, caption if number == 0 else "", extra)
            )
    except DeliveryError as error:
        if not ids:
            raise
        # Sending it all again would repeat what arrived: a person decides (or it failed).
        raise DeliveryError(
            f"Part of the reply reached the customer, then: {error}",
            permanent=error.permanent,
            ambiguous=not error.permanent,
        ) from None
    return ids[0]


def _markup(markup: dict[str, Any] | None) -> dict[str, Any]:
    return {"reply_markup": markup} if markup else {}


def _send_file(
    token: str, chat_id: str, attachment: Any, caption: str, extra: dict[str, Any]
) -> str:
    is_photo = attachment.content_type in PHOTO_TYPES and attachment.size <= 10 * 1024 * 1024
    method, field = ("sendPhoto", "photo") if is_photo else ("sendDocument", "document")
    with attachment.file.open("rb") as handle:
        content = handle.read()
    payload: dict[str, Any] = {"chat_id": chat_id}
    if caption:
        payload["caption"] = caption
    if "reply_markup" in extra:  # a multipart form carries it as a JSON string
        payload["reply_markup"] = json.dumps(extra["reply_markup"])
    files = {field: (attachment.filename, content, attachment.content_type)}
    return _call(token, method, payload, files=files)


def _call(
    token: str,
    method: str,
    payload: dict[str, Any],
    *,
    files: dict[str, tuple[str, bytes, str]] | None = None,
) -> str:
    try:
        sent = api.call(token, method, payload, files=files)
    except api.BotApiError as error:
        raise delivery_error(error) from None
    if not isinstance(sent, dict) or "message_id" not in sent:
        raise DeliveryError("Telegram's answer holds no message id", ambiguous=True)
    chat = sent.get("chat")
    chat_id = chat.get("id") if isinstance(chat, dict) else payload["chat_id"]
    return f"{chat_id}:{sent['message_id']}"


def delivery_error(error: api.BotApiError) -> DeliveryError:
    """What a refused or failed call means for the reply."""
    words = error.description
    if error.status == 429:
        wait = timedelta(seconds=min(error.retry_after or 30, 3600))
        return DeliveryError(f"Telegram is limiting messages: {words}", retry_after=wait)
    if error.status == 0:
        return DeliveryError(words, ambiguous=error.sent)
    if error.status >= 500:
        return DeliveryError(f"Telegram had a problem ({error.status}): {words}")
    if error.status == 403 and "blocked" in words.lower():
        return DeliveryError(
            f"The customer has blocked the bot, so it cannot write to them (Telegram: {words})",
            permanent=True,
        )
    if error.status in (401, 404):
        return DeliveryError(
            f"Telegram refused the bot token; check it on the inbox's settings ({words})",
            permanent=True,
        )
    return DeliveryError(f"Telegram refused it: {words}", permanent=True)
