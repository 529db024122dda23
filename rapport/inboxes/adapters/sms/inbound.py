"""Reading Twilio's form-encoded webhooks: an incoming SMS, or a status callback on a
reply (``MessageStatus``). Both arrive at the inbox's one webhook URL."""

from __future__ import annotations

from urllib.parse import parse_qsl

from rapport.conversations.inbound import InboundMessage, Sender
from rapport.core.errors import ValidationFailed
from rapport.customers.identities import normalize_address
from rapport.inboxes.adapters.twilio import Media, media_name
from rapport.inboxes.channels import StatusUpdate

# Twilio's MessageStatus values, as the reply's delivery status they mean.
STATUSES = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "queued",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
    "undelivered": "failed",
    "canceled": "failed",
}


def form(content_type: str, body: bytes) -> list[tuple[str, str]]:
    """The posted parameters; ``ValidationFailed`` when the body is not a Twilio form."""
    if not content_type.lower().startswith("application/x-www-form-urlencoded"):
        raise ValidationFailed("expected an application/x-www-form-urlencoded body from Twilio")
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise ValidationFailed("the body is not a readable form") from None


def message_sid(fields: dict[str, str]) -> str:
    sid = fields.get("MessageSid") or fields.get("SmsMessageSid") or ""
    if not sid:
        raise ValidationFailed("the form has no MessageSid")
    return sid


def is_status(fields: dict[str, str]) -> bool:
    return fields.get("MessageStatus", "") in STATUSES


def key(fields: dict[str, str]) -> str:
    """One stored row per message, and per status of a reply."""
    sid = message_sid(fields)
    return f"{sid}:{fields['MessageStatus']}" if is_status(fields) else sid


def status_update(fields: dict[str, str]) -> StatusUpdate:
    status = STATUSES[fields["MessageStatus"]]
    error = ""
    if status == "failed":
        code = fields.get("ErrorCode", "")
        error = f"Twilio: the message was {fields['MessageStatus']}" + (
            f" (error {code})" if code else ""
        )
    return StatusUpdate(external_id=message_sid(fields), status=status, error=error)


def message(fields: dict[str, str], address_kind: str, prefix: str = "") -> InboundMessage:
    """A customer's message. Its pictures and files (``media``) are fetched from Twilio
    when the stored request is processed (``SmsChannel.complete``), not here: this runs
    while Twilio waits for its answer too."""
    sender = fields.get("From", "").removeprefix(prefix)
    if not sender:
        raise ValidationFailed("the form has no From number")
    media(fields)  # an unreadable media list is refused now, with the request
    return InboundMessage(
        # WhatsApp sends the customer's profile name; SMS has none.
        sender=Sender(
            address_kind,
            normalize_address(address_kind, sender),
            fields.get("ProfileName", "")[:200],
        ),
        text=fields.get("Body", ""),
        external_id=message_sid(fields),
        raw=fields,
    )


def media(fields: dict[str, str]) -> list[Media]:
    """The files of an MMS or WhatsApp message (NumMedia, MediaUrlN, MediaContentTypeN)."""
    try:
        count = min(int(fields.get("NumMedia") or 0), 10)  # Twilio sends at most 10
    except ValueError:
        raise ValidationFailed("NumMedia is not a number") from None
    found = []
    for number in range(count):
        url = fields.get(f"MediaUrl{number}", "")
        if not url.startswith(("https://", "http://")):
            raise ValidationFailed(f"MediaUrl{number} is not a link")
        kind = fields.get(f"MediaContentType{number}", "")
        found.append(
            Media(url=url, content_type=kind, name=media_name(f"media-{number + 1}", kind))
        )
    return found
