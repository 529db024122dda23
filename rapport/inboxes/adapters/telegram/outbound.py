"""Sending an agent's reply through the Bot API, and what Telegram's errors mean.

Text goes by ``sendMessage`` (up to 4096 characters); each attachment by ``sendPhoto``
(pictures Telegram shows inline) or ``sendDocument`` as a multipart upload, the text as
the first file's caption when it fits (1024 characters), else as a message before them.

Errors: 429 waits ``parameters.retry_after`` seconds; 5xx and a connection that never
opened are tried again; a timeout may have delivered it (a person decides); 403 ("bot was
blocked by the user") and every other 4xx are permanent, shown with Telegram's words. When
a reply goes as several messages and a later one fails, it is never sent again whole (that
would repeat what arrived): the delivery is left for a person, or failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from rapport.inboxes.adapters.telegram import api
from rapport.outbox.errors import DeliveryError

MAX_TEXT = 4096
MAX_CAPTION = 1024
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")


def send(token: str, chat_id: str, text: str, files: Sequence[Any]) -> str:
    """Send ``text`` and ``files`` (``Attachment`` rows) to ``chat_id``; the id of the first
    message Telegram made ("<chat>:<message id>"), or ``DeliveryError``."""
    ids: list[str] = []
    caption = text if files and len(text) <= MAX_CAPTION else ""
    try:
        if text and not caption:
            ids.append(_call(token, "sendMessage", {"chat_id": chat_id, "text": text[:MAX_TEXT]}))
        for number, attachment in enumerate(files):
            ids.append(_send_file(token, chat_id, attachment, caption if number == 0 else ""))
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


def _send_file(token: str, chat_id: str, attachment: Any, caption: str) -> str:
    is_photo = attachment.content_type in PHOTO_TYPES and attachment.size <= 10 * 1024 * 1024
    method, field = ("sendPhoto", "photo") if is_photo else ("sendDocument", "document")
    with attachment.file.open("rb") as handle:
        content = handle.read()
    payload = {"chat_id": chat_id}
    if caption:
        payload["caption"] = caption
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
