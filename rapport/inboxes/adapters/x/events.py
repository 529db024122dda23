"""Reading the Account Activity API's deliveries: one JSON object per POST, naming the
subscribed account (``for_user_id``) and carrying lists of events. Direct messages are
``direct_message_events`` of type ``message_create`` with a ``users`` map for names; a
message our own account sent (``sender_id`` is the account) comes back the same way and
is skipped. ``direct_message_mark_read_events`` from the customer mark our reply read.
Every other kind (follows, likes, posts, typing) is not a conversation and is ignored.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from rapport.conversations.inbound import InboundMessage, Sender
from rapport.core.errors import ValidationFailed
from rapport.core.inbound import json_object
from rapport.customers.identities import normalize_address
from rapport.inboxes.channels import StatusUpdate

logger = logging.getLogger(__name__)

ADDRESS_KIND = "x"


def read_body(body: bytes) -> dict[str, Any]:
    payload = json_object(body, what="an Account Activity object")
    if not isinstance(payload.get("for_user_id"), str):
        raise ValidationFailed("the body is not an Account Activity object (no for_user_id)")
    return payload


def key(payload: dict[str, Any], body: bytes) -> str:
    """Direct messages by their event ids; anything else by the body's hash."""
    events = payload.get("direct_message_events")
    ids = (
        [str(e.get("id")) for e in events if isinstance(e, dict)]
        if isinstance(events, list)
        else []
    )
    if ids and all(ids):
        return "dm:" + ",".join(ids)[:240]
    return hashlib.sha256(body).hexdigest()


def parse(payload: dict[str, Any], account_id: str) -> list[InboundMessage | StatusUpdate]:
    """The customers' messages and read receipts in ``payload``."""
    ours = payload["for_user_id"]
    if account_id and ours != account_id:
        logger.info("X activity for account %s ignored: this inbox is %s", ours[:30], account_id)
        return []
    given = payload.get("users")
    users: dict[str, Any] = given if isinstance(given, dict) else {}
    found: list[InboundMessage | StatusUpdate] = []
    for event in _list(payload, "direct_message_events"):
        if event.get("type") != "message_create":
            continue
        created = _object(event, "message_create")
        sender_id = str(created.get("sender_id") or "")
        if not sender_id:
            raise ValidationFailed("a direct message has no sender_id")
        if sender_id == ours:
            continue  # our own reply, echoed back to the account's webhook
        found.append(_message(event, created, sender_id, users))
    for receipt in _list(payload, "direct_message_mark_read_events"):
        if str(receipt.get("sender_id") or "") != ours and receipt.get("last_read_event_id"):
            found.append(StatusUpdate(str(receipt["last_read_event_id"]), "read"))
    return found


def _list(payload: dict[str, Any], name: str) -> list[dict[str, Any]]:
    found = payload.get(name, [])
    if not isinstance(found, list) or not all(isinstance(item, dict) for item in found):
        raise ValidationFailed(f"{name} is not a list of events")
    return found


def _object(parent: dict[str, Any], name: str) -> dict[str, Any]:
    found = parent.get(name)
    if not isinstance(found, dict):
        raise ValidationFailed(f"{name} is not an object")
    return found


def _message(
    event: dict[str, Any], created: dict[str, Any], sender_id: str, users: dict[str, Any]
) -> InboundMessage:
    event_id = str(event.get("id") or "")
    if not event_id:
        raise ValidationFailed("a direct message event has no id")
    data = _object(created, "message_data")
    text = data.get("text") if isinstance(data.get("text"), str) else ""
    link = media_link(data)
    text = "\n".join(part for part in (text, link) if part) or "[An empty direct message]"
    return InboundMessage(
        sender=Sender(
            ADDRESS_KIND, normalize_address(ADDRESS_KIND, sender_id), name(users, sender_id)
        ),
        text=text,
        external_id=event_id,
        raw=event,
    )


def name(users: dict[str, Any], user_id: str) -> str:
    """ "Name (@screen_name)" from the delivery's ``users`` map."""
    user = users.get(user_id)
    if not isinstance(user, dict):
        return ""
    shown = str(user.get("name") or "").strip()
    handle = str(user.get("screen_name") or "").strip()
    if handle:
        shown = f"{shown} (@{handle})" if shown else f"@{handle}"
    return shown[:200]


def media_link(data: dict[str, Any]) -> str:
    """A picture or video in the message, kept as a link to X's copy: downloading it
    needs the account's OAuth 1.0a signature, which this channel does not hold."""
    attachment = data.get("attachment")
    media = attachment.get("media") if isinstance(attachment, dict) else None
    if not isinstance(media, dict):
        return ""
    url = str(media.get("media_url_https") or "")
    if not url.startswith("https://"):
        return ""
    return f"Attachment ({str(media.get('type') or 'media')[:20]}, on X): {url}"
