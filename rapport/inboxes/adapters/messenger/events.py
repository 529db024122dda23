"""Reading the Messenger Platform's webhook posts (Messenger and Instagram share them).

A post is ``{"object": "page" | "instagram", "entry": [{"id": <Page or IG account id>,
"time", "messaging": [event, …]}]}``. Each event has ``sender.id`` (the customer's
page-scoped id, PSID or IGSID), ``recipient.id``, ``timestamp`` and one of:
``message`` (text, ``attachments``, ``quick_reply``, ``reply_to``, ``is_echo``,
``is_deleted``), ``postback`` (a button pressed), ``delivery`` (``mids``, ``watermark``)
or ``read`` (``watermark``; Instagram: ``mid``). Reading here does no writes and asks no
one outside; the channel's ``complete`` fetches names and files later.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rapport.conversations.inbound import InboundMessage, Sender
from rapport.core.errors import ValidationFailed
from rapport.inboxes.adapters.messenger.window import UNSENT_SUFFIX
from rapport.inboxes.channels import StatusUpdate

MAX_EVENTS = 1000  # Meta batches up to 1000 events in one post

# What a customer's file is called in the conversation, by Meta's attachment type.
FILE_WORDS = {
    "image": "Sent a photo",
    "video": "Sent a video",
    "audio": "Sent a voice message",
    "file": "Sent a file",
}
# What is shown as a link: shared posts and reels, stickers, story mentions…
LINK_WORDS = {
    "story_mention": "Mentioned you in their story",
    "share": "Shared a post",
    "ig_reel": "Shared a reel",
    "reel": "Shared a reel",
    "ig_post": "Shared a post",
    "template": "Sent a card",
    "fallback": "Shared a link",
    "location": "Shared a location",
}

# Read by the channel: which of its replies to this person were sent before a watermark
# (Meta's "everything before this time was delivered/read", in milliseconds).
SentBefore = Callable[[str, datetime, str], list[str]]


@dataclass(frozen=True)
class Post:
    """A post's events for one Page or account, with the kind of post expected."""

    object: str  # "page" or "instagram"
    account_id: str  # the inbox's Page id or Instagram account id
    address_kind: str  # the identity kind of the customers' ids


def read(body: bytes, expected_object: str) -> dict[str, Any]:
    """The post as JSON; ``ValidationFailed`` when it is not a Messenger Platform post."""
    try:
        post = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):  # deep nesting: RecursionError
        raise ValidationFailed("the body is not JSON (or nested too deeply)") from None
    if not isinstance(post, dict) or not isinstance(post.get("entry"), list):
        raise ValidationFailed("the body is not a Messenger Platform post (no entry list)")
    if post.get("object") != expected_object:
        raise ValidationFailed(
            f"expected object {expected_object!r}, not {str(post.get('object'))[:40]!r}"
        )
    return post


def events(post: dict[str, Any], account_id: str) -> Iterator[dict[str, Any]]:
    """The ``messaging`` events of the entries for this inbox's Page or account.

    One Meta app posts every Page it serves to its one callback URL: entries for another
    Page belong to another inbox and are passed over here.
    """
    count = 0
    for entry in post["entry"]:
        if not isinstance(entry, dict) or str(entry.get("id", "")) != account_id:
            continue
        messaging = entry.get("messaging") or []
        if not isinstance(messaging, list):
            raise ValidationFailed("entry.messaging is not a list")
        for event in messaging:
            count += 1
            if count > MAX_EVENTS:
                raise ValidationFailed(f"more than {MAX_EVENTS} events in one post")
            if not isinstance(event, dict):
                raise ValidationFailed("an event is not an object")
            yield event


def event_key(event: dict[str, Any]) -> str:
    """What names an event: its message id, or what a status says about whom."""
    for name in ("message", "postback"):
        part = event.get(name)
        if isinstance(part, dict) and part.get("mid"):
            # An unsent message comes with the mid of the message it takes back.
            return f"{'deleted' if part.get('is_deleted') else name}:{part['mid']}"
    sender = _id(event, "sender")
    for name in ("delivery", "read"):
        part = event.get(name)
        if isinstance(part, dict):
            mids = ",".join(str(m) for m in part.get("mids") or [part.get("mid", "")])
            return f"{name}:{sender}:{part.get('watermark', '')}:{mids}"
    return "event:" + hashlib.sha256(json.dumps(event, sort_keys=True).encode()).hexdigest()


def request_key(body: bytes, expected_object: str, account_id: str) -> str:
    """One stored request per set of events: Meta's retry of a post is stored once."""
    keys = sorted(event_key(e) for e in events(read(body, expected_object), account_id))
    if len(keys) == 1 and len(keys[0]) <= 255:
        return keys[0]
    return "events:" + hashlib.sha256("\n".join(keys).encode()).hexdigest()


def parse(
    body: bytes, post_shape: Post, sent_before: SentBefore
) -> Sequence[InboundMessage | StatusUpdate]:
    """The customer messages and delivery statuses of a verified post."""
    post = read(body, post_shape.object)
    found: list[InboundMessage | StatusUpdate] = []
    for event in events(post, post_shape.account_id):
        found.extend(_event(event, post_shape, sent_before))
    return found


def _event(
    event: dict[str, Any], shape: Post, sent_before: SentBefore
) -> list[InboundMessage | StatusUpdate]:
    if isinstance(event.get("message"), dict):
        message = event["message"]
        if message.get("is_echo"):
            return []  # our own page's message (a reply sent from here, or from Meta's inbox)
        return [_message(event, message, shape)]
    if isinstance(event.get("postback"), dict):
        return [_postback(event, event["postback"], shape)]
    if isinstance(event.get("delivery"), dict):
        return _statuses(event, event["delivery"], "delivered", sent_before)
    if isinstance(event.get("read"), dict):
        return _statuses(event, event["read"], "read", sent_before)
    return []  # reactions, referrals, opt-ins…: nothing an agent answers


def _id(event: dict[str, Any], side: str) -> str:
    part = event.get(side)
    value = part.get("id") if isinstance(part, dict) else None
    return str(value) if isinstance(value, str | int) else ""


def _sender(event: dict[str, Any], shape: Post) -> Sender:
    sender = _id(event, "sender")
    if not sender:
        raise ValidationFailed("an event has no sender.id")
    return Sender(shape.address_kind, normalize_scoped_id(sender))


def normalize_scoped_id(value: str) -> str:
    """A page-scoped id (PSID, IGSID): digits, as Meta sends them."""
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 64:
        raise ValidationFailed(f"{value[:40]!r} is not a page-scoped id (digits)")
    return value


def _message(event: dict[str, Any], message: dict[str, Any], shape: Post) -> InboundMessage:
    mid = str(message.get("mid") or "")
    if not mid:
        raise ValidationFailed("a message event has no mid")
    if message.get("is_deleted"):
        lines = ["The customer deleted (unsent) a message."]
        return InboundMessage(
            sender=_sender(event, shape),
            text="\n".join(lines),
            external_id=mid + UNSENT_SUFFIX,
            raw=event,
        )
    lines = _story_context(message)
    text = message.get("text")
    if isinstance(text, str) and text.strip():
        lines.append(text)
    quick = message.get("quick_reply")
    payload = str(quick.get("payload") or "") if isinstance(quick, dict) else ""
    if payload and payload != text:  # our own buttons' payload is their title
        lines.append(f"(Quick reply button: {payload[:200]})")
    lines.extend(attachment_lines(message, links=shape.object == "instagram"))
    if not lines:
        lines.append("Sent a message Rapport cannot show (see the raw payload).")
    return InboundMessage(
        sender=_sender(event, shape), text="\n".join(lines), external_id=mid, raw=event
    )


def _story_context(message: dict[str, Any]) -> list[str]:
    """An Instagram story reply's context: which story was answered."""
    reply_to = message.get("reply_to")
    story = reply_to.get("story") if isinstance(reply_to, dict) else None
    if not isinstance(story, dict):
        return []
    url = str(story.get("url") or "")
    return [f"Replied to your story: {url}" if url else "Replied to your story"]


def attachments(message: dict[str, Any]) -> list[dict[str, Any]]:
    found = message.get("attachments") or []
    if not isinstance(found, list):
        raise ValidationFailed("message.attachments is not a list")
    return [a for a in found if isinstance(a, dict)]


def attachment_url(attachment: dict[str, Any]) -> str:
    payload = attachment.get("payload")
    url = payload.get("url") if isinstance(payload, dict) else None
    return str(url) if isinstance(url, str) else ""


def attachment_lines(message: dict[str, Any], *, links: bool) -> list[str]:
    """A line per attachment. Files say what was sent (with the link when ``links``: the
    files stay with Meta); the rest are shown as links."""
    lines = []
    for attachment in attachments(message):
        kind = str(attachment.get("type") or "")
        url = attachment_url(attachment)
        if kind in FILE_WORDS:
            words = FILE_WORDS[kind]
            lines.append(f"{words}: {url}" if links and url else words)
        else:
            words = LINK_WORDS.get(kind, f"Sent a {kind[:40] or 'attachment'}")
            lines.append(f"{words}: {url}" if url else words)
    return lines


def _postback(event: dict[str, Any], postback: dict[str, Any], shape: Post) -> InboundMessage:
    """A button the customer pressed, shown as what was pressed."""
    title = str(postback.get("title") or postback.get("payload") or "a button")[:200]
    mid = str(postback.get("mid") or "")
    if not mid:  # older postbacks carry no message id: the press is named by its time
        mid = f"postback:{_id(event, 'sender')}:{event.get('timestamp', '')}"
    return InboundMessage(
        sender=_sender(event, shape),
        text=f"Pressed “{title}”",
        external_id=mid,
        raw=event,
    )


def _statuses(
    event: dict[str, Any], part: dict[str, Any], status: str, sent_before: SentBefore
) -> list[InboundMessage | StatusUpdate]:
    """Delivered or read: by message id where Meta names them, else by its watermark
    (every reply sent before that time)."""
    mids = part.get("mids") or ([part["mid"]] if part.get("mid") else [])
    if not isinstance(mids, list):
        raise ValidationFailed(f"{status}.mids is not a list")
    if mids:
        return [StatusUpdate(external_id=str(mid), status=status) for mid in mids]
    watermark = part.get("watermark")
    if not isinstance(watermark, int):
        raise ValidationFailed(f"a {status} event has neither mids nor a watermark")
    sender = _id(event, "sender")
    if not sender:
        raise ValidationFailed("an event has no sender.id")
    at = datetime.fromtimestamp(watermark / 1000, tz=UTC)
    return [StatusUpdate(external_id=mid, status=status) for mid in sent_before(sender, at, status)]
