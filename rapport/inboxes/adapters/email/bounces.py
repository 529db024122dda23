"""Bounces (RFC 3464 DSNs and the free-text kind) and complaints: not new conversations.

A hard bounce marks the reply that bounced as failed — visible on the message — and the
address as bouncing, so the next reply fails at once instead of bouncing again. A delay
notice (4.x.x, "Action: delayed") only says the mail is late, so nothing is failed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from rapport.inboxes.adapters.email import mime, tokens
from rapport.inboxes.adapters.email.addresses import clean_address, is_machine_sender
from rapport.inboxes.adapters.email.models import BouncingAddress, EmailDetails
from rapport.inboxes.adapters.email.parse import ParsedEmail, message_ids
from rapport.outbox import actions as outbox

_STATUS = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_OUR_ID = re.compile(rb"rapport\.\d{1,18}\.\d{1,18}\.\d{1,18}\.[0-9a-f]{20}@[\w.-]+", re.I)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery status notification|delivery failure|returned mail|"
    r"failure notice|mail delivery failed|non-delivery",
    re.IGNORECASE,
)


@dataclass
class Bounce:
    """What a bounce report says: who failed, how, and which of our mails it was."""

    kind: str  # "failed", "delayed", "complaint", "receipt"
    recipients: list[str] = field(default_factory=list)
    status: str = ""
    diagnostic: str = ""
    original_ids: list[str] = field(default_factory=list)

    @property
    def permanent(self) -> bool:
        return self.kind == "complaint" or (self.kind == "failed" and self.status[:1] == "5")


def detect(parsed: ParsedEmail, raw: bytes) -> Bounce | None:
    """The bounce or complaint this mail reports, or None for ordinary mail."""
    message = parsed.message
    report_type = _report_type(message)
    if report_type == "delivery-status":
        return _from_dsn(message, raw)
    if report_type == "feedback-report":
        return Bounce("complaint", _failed_recipients(message), original_ids=_ours(raw))
    if report_type == "disposition-notification":
        return Bounce("receipt", original_ids=_ours(raw))
    if _looks_like_bounce(parsed):
        return _from_text(parsed, raw)
    return None


def _report_type(message: Message) -> str:
    if mime.content_type(message) != "multipart/report":
        return ""
    try:
        return str(message.get_param("report-type", "") or "").lower()
    except Exception:  # a broken parameter: not a report we can read
        return ""


def _from_dsn(message: Message, raw: bytes) -> Bounce:
    bounce = Bounce("delayed", original_ids=_ours(raw))
    for part in message.walk():
        if mime.content_type(part) == "message/delivery-status":
            _read_status_fields(bounce, part)
        elif mime.content_type(part) in ("message/rfc822", "text/rfc822-headers"):
            bounce.original_ids += _original_ids(part)
    if not bounce.recipients:
        bounce.recipients = _failed_recipients(message)
    return bounce


def _read_status_fields(bounce: Bounce, part: Message) -> None:
    blocks = part.get_payload()
    fields = blocks if isinstance(blocks, list) else []
    for block in (item for item in fields if isinstance(item, Message)):
        action = mime.header_text(block, "Action").lower()
        recipient = mime.header_text(block, "Final-Recipient") or mime.header_text(
            block, "Original-Recipient"
        )
        address = clean_address(recipient.split(";")[-1])
        if address:
            bounce.recipients.append(address)
        status = _STATUS.search(mime.header_text(block, "Status"))
        if status:
            bounce.status = status.group(1)
        bounce.diagnostic = mime.header_text(block, "Diagnostic-Code")[:500] or bounce.diagnostic
        if action == "failed" and bounce.status[:1] != "4":
            bounce.kind = "failed"
        elif action == "failed" and bounce.kind != "failed":
            bounce.kind = "delayed"  # "failed" with a 4.x.x status: still a temporary problem


def _looks_like_bounce(parsed: ParsedEmail) -> bool:
    from_machine = parsed.from_address.startswith(("mailer-daemon@", "postmaster@"))
    null_sender = mime.header_text(parsed.message, "Return-Path").strip() == "<>"
    failed = bool(mime.header_text(parsed.message, "X-Failed-Recipients"))
    subject = bool(_BOUNCE_SUBJECT.search(parsed.subject))
    return failed or (
        subject and (from_machine or null_sender or is_machine_sender(parsed.from_address))
    )


def _from_text(parsed: ParsedEmail, raw: bytes) -> Bounce:
    status = _STATUS.search(parsed.text[:20_000])
    code = status.group(1) if status else "5.0.0"
    permanent = "permanent" in parsed.text.lower() or code.startswith("5")
    return Bounce(
        "failed" if permanent else "delayed",
        recipients=_failed_recipients(parsed.message),
        status=code,
        diagnostic=parsed.text[:500],
        original_ids=_ours(raw) + _original_ids_in_text(parsed.text),
    )


def _failed_recipients(message: Message) -> list[str]:
    values = mime.header_text(message, "X-Failed-Recipients").split(",")
    return [address for value in values if (address := clean_address(value))]


def _original_ids(part: Message) -> list[str]:
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else part
    if isinstance(inner, Message):
        found = message_ids(mime.header_text(inner, "Message-ID"))
        if found:
            return found
    text = mime.part_text(part) if not isinstance(payload, list) else ""
    return _original_ids_in_text(text)


def _original_ids_in_text(text: str) -> list[str]:
    match = re.search(r"(?im)^message-id:\s*<([^<>\s]{1,250})>", text[:200_000])
    return [match.group(1)] if match else []


def _ours(raw: bytes) -> list[str]:
    return [found.decode("ascii", "replace") for found in _OUR_ID.findall(raw[:2_000_000])]


def record_bounce(bounce: Bounce, inbox_id: int) -> str:
    """Apply a bounce: fail the original delivery, mark the address. Returns a summary."""
    with transaction.atomic():
        failed = _fail_original(bounce, inbox_id) if bounce.permanent else 0
        if bounce.permanent:
            for address in bounce.recipients:
                _mark_bouncing(address, bounce)
    who = ", ".join(bounce.recipients) or "unknown recipient"
    return f"{bounce.kind} report ({bounce.status or 'no status'}) for {who}; {failed} reply failed"


def _fail_original(bounce: Bounce, inbox_id: int) -> int:
    ids = [mid for mid in bounce.original_ids if tokens.is_ours(mid)] or bounce.original_ids
    details = EmailDetails.objects.filter(
        inbox_id_copy=inbox_id, message_id_header__in=ids[:20], message__direction="out"
    ).select_related("message")
    reason = f"bounced: {bounce.status} {bounce.diagnostic}".strip()
    count = 0
    for detail in details:
        outbox.fail_after_bounce(message_id=detail.message_id, reason=reason)
        count += 1
    return count


def _mark_bouncing(address: str, bounce: Bounce) -> None:
    now = timezone.now()
    status = "complaint" if bounce.kind == "complaint" else bounce.status
    updated = BouncingAddress.objects.filter(address=address).update(
        bounces=F("bounces") + 1,
        last_bounced_at=now,
        status=status,
        diagnostic=bounce.diagnostic[:2000],
    )
    if not updated:
        BouncingAddress.objects.create(
            address=address, status=status, diagnostic=bounce.diagnostic[:2000]
        )


def is_bouncing(address: str) -> bool:
    return BouncingAddress.objects.filter(address=address).exists()
