"""Reading the WhatsApp Cloud API's webhooks: ``entry[].changes[].value`` holds customer
messages (with ``contacts[]``: who wrote, by wa_id and profile name) and the statuses of
our replies. One request may carry several of each.

Parsing does no I/O: a media message becomes a message whose text says what was sent, and
the file is fetched from the Graph API later, in the job (``media.py``, ``complete``).
The message's ``raw`` is the provider's message object with its contact.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from rapport.conversations.inbound import InboundMessage, Reaction, Sender
from rapport.core.errors import ValidationFailed
from rapport.core.inbound import clean_text
from rapport.customers.identities import normalize_address
from rapport.inboxes.adapters.whatsapp.graph import error_words
from rapport.inboxes.channels import StatusUpdate

# WhatsApp's status values, as the reply's delivery status they mean ("played": a voice
# message was listened to, which is read).
STATUSES = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "played": "read",
    "failed": "failed",
}
MEDIA = {
    "image": "Photo",
    "video": "Video",
    "audio": "Audio",
    "document": "Document",
    "sticker": "Sticker",
}
Json = dict[str, Any]


def document(body: bytes) -> Json:
    """The webhook's JSON; ``ValidationFailed`` when it is not a WhatsApp webhook."""
    try:
        found = json.loads(body)
    except (ValueError, RecursionError):
        raise ValidationFailed("the body is not JSON") from None
    if not isinstance(found, dict) or found.get("object") != "whatsapp_business_account":
        raise ValidationFailed('expected a webhook with "object": "whatsapp_business_account"')
    if not isinstance(found.get("entry"), list):
        raise ValidationFailed("the webhook has no entry list")
    return found


def values(doc: Json) -> Iterator[Json]:
    """Each ``changes[].value`` of the ``messages`` field (templates and account updates
    come on other fields: nothing for the inbox)."""
    for entry in doc["entry"]:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        for change in changes if isinstance(changes, list) else []:
            value = change.get("value") if isinstance(change, dict) else None
            if isinstance(value, dict) and change.get("field", "messages") == "messages":
                yield value


def _objects(value: Json, name: str) -> list[Json]:
    found = value.get(name) or []
    if not isinstance(found, list) or not all(isinstance(item, dict) for item in found):
        raise ValidationFailed(f"{name} is not a list of objects")
    return found


def request_key(body: bytes) -> str:
    """The message ids (and status ids with their status) a request carries, so a retry
    is stored once; the body's hash for a request that holds neither or is unreadable
    (parse then says why)."""
    try:
        ids = sorted(_ids(document(body)))
    except ValidationFailed:
        ids = []
    key = " ".join(ids)
    if not key or len(key) > 255:
        return hashlib.sha256(body).hexdigest()
    return key


def _ids(doc: Json) -> Iterator[str]:
    for value in values(doc):
        for message in _objects(value, "messages"):
            yield str(message.get("id", ""))
        for status in _objects(value, "statuses"):
            yield f"{status.get('id', '')}:{status.get('status', '')}"


def parse(body: bytes) -> list[InboundMessage | StatusUpdate]:
    found: list[InboundMessage | StatusUpdate] = []
    for value in values(document(body)):
        contacts = {str(c.get("wa_id", "")): c for c in _objects(value, "contacts")}
        problems = _objects(value, "errors")
        for message in _objects(value, "messages"):
            contact = contacts.get(str(message.get("from", "")), {})
            found.append(customer_message(message, contact, problems))
        for status in _objects(value, "statuses"):
            update = status_update(status)
            if update is not None:
                found.append(update)
    return found


def status_update(status: Json) -> StatusUpdate | None:
    """A reply's new status; None for what is not one (a group's, an unknown value)."""
    mapped = STATUSES.get(str(status.get("status", "")))
    wamid = status.get("id")
    if mapped is None or status.get("recipient_type") == "group":
        return None
    if not isinstance(wamid, str) or not wamid:
        raise ValidationFailed("a status has no message id")
    error = ""
    if mapped == "failed":
        problems = [e for e in status.get("errors") or [] if isinstance(e, dict)]
        error = "WhatsApp: " + (
            "; ".join(error_words(e) for e in problems) if problems else "the message failed"
        )
    return StatusUpdate(external_id=wamid, status=mapped, error=error)


def customer_message(message: Json, contact: Json, problems: list[Json]) -> InboundMessage:
    wamid = message.get("id")
    sender = message.get("from")
    if not isinstance(wamid, str) or not wamid:
        raise ValidationFailed("a message has no id")
    if not isinstance(sender, str) or not sender.strip("+").isdigit():
        raise ValidationFailed(f"message {wamid[:80]} has no sender number (from)")
    profile = contact.get("profile")
    name = str(profile.get("name") or "") if isinstance(profile, dict) else ""
    lines = [*context_lines(message), text_of(message, problems)]
    found = InboundMessage(
        sender=Sender("phone", normalize_address("phone", "+" + sender.lstrip("+")), name[:200]),
        text="\n".join(line for line in lines if line),
        external_id=wamid,
        raw={"message": message, "contact": contact},
    )
    reaction = message.get("reaction")
    if message.get("type") == "reaction" and isinstance(reaction, dict):
        return reaction_of(found, reaction)
    return found


def reaction_of(message: InboundMessage, part: Json) -> Reaction:
    """``message`` as the reaction it is: the message it names (ours or the customer's)
    and the emoji, "" (or none) when the customer took their reaction back."""
    return Reaction(
        sender=message.sender,
        text=message.text,
        external_id=message.external_id,
        raw=message.raw,
        reacts_to=clean_text(part.get("message_id"), field="a reaction's message id", limit=255),
        emoji=clean_text(part.get("emoji"), field="a reaction's emoji", limit=32),
    )


def context_lines(message: Json) -> list[str]:
    """What the message answers or where it came from, above its text."""
    context = message.get("context")
    lines = []
    if isinstance(context, dict):
        if context.get("frequently_forwarded"):
            lines.append("[Forwarded many times]")
        elif context.get("forwarded"):
            lines.append("[Forwarded]")
        if context.get("id") and message.get("type") not in ("interactive", "button"):
            lines.append(f"[In reply to message {context['id']}]")
    referral = message.get("referral")
    if isinstance(referral, dict):
        headline = referral.get("headline") or referral.get("source_url") or "an ad"
        lines.append(f"[Came from the ad or post: {headline}]")
    return lines


def text_of(message: Json, problems: list[Json]) -> str:
    """The message as an agent reads it, for every type WhatsApp sends."""
    kind = str(message.get("type", ""))
    found = message.get(kind)
    part: Json = found if isinstance(found, dict) else {}
    if kind == "text":
        return str(part.get("body", ""))
    if kind in MEDIA:
        return media_text(kind, part)
    if kind == "location":
        return location_text(part)
    if kind == "contacts":
        return contacts_text(message.get("contacts"))
    if kind == "interactive":
        return pressed_text(part, problems + _objects(message, "errors"))
    if kind == "button":
        return f"Pressed “{part.get('text', '')}”"
    if kind == "reaction":
        emoji = part.get("emoji")
        target = part.get("message_id", "")
        return f"Reacted {emoji} to message {target}" if emoji else f"Removed a reaction ({target})"
    if kind == "order":
        items = part.get("product_items") or []
        listed = ", ".join(
            f"{i.get('quantity')} x {i.get('product_retailer_id')}"
            for i in items
            if isinstance(i, dict)
        )
        return f"Sent an order: {listed}" if listed else "Sent an order"
    return unsupported_text(kind, problems + _objects(message, "errors"), part)


def media_text(kind: str, part: Json) -> str:
    label = MEDIA[kind]
    if kind == "audio" and part.get("voice"):
        label = "Voice message"
    if kind == "document" and part.get("filename"):
        label = f"Document “{part['filename']}”"
    caption = str(part.get("caption") or "")
    return f"[{label}]\n{caption}" if caption else f"[{label}]"


def location_text(part: Json) -> str:
    where = f"{part.get('latitude')}, {part.get('longitude')}"
    named = " · ".join(str(part[k]) for k in ("name", "address") if part.get(k))
    link = (
        f"https://www.openstreetmap.org/?mlat={part.get('latitude')}&mlon={part.get('longitude')}"
    )
    return f"[Location] {named + ' · ' if named else ''}{where}\n{link}"


def contacts_text(cards: Any) -> str:
    lines = ["[Shared contacts]"]
    for card in cards if isinstance(cards, list) else []:
        if not isinstance(card, dict):
            continue
        name = (
            card.get("name", {}).get("formatted_name", "")
            if isinstance(card.get("name"), dict)
            else ""
        )
        phones = ", ".join(
            str(p.get("phone", "")) for p in card.get("phones") or [] if isinstance(p, dict)
        )
        lines.append(f"{name}: {phones}" if phones else name)
    return "\n".join(lines)


def pressed_text(part: Json, problems: list[Json]) -> str:
    """A button or list row the customer chose, shown as what they pressed."""
    chosen = part.get(str(part.get("type", "")))
    if isinstance(chosen, dict) and chosen.get("title"):
        text = f"Pressed “{chosen['title']}”"
        return f"{text} ({chosen['description']})" if chosen.get("description") else text
    return unsupported_text("interactive", problems)


def unsupported_text(kind: str, problems: list[Json], part: Json | None = None) -> str:
    """A message WhatsApp would not pass on (a poll, a new type): said so, with why."""
    shown = str((part or {}).get("type") or kind or "unknown")
    why = "; ".join(error_words(p) for p in problems if isinstance(p, dict))
    return f"[WhatsApp did not pass this message on ({shown})" + (f": {why}]" if why else "]")
