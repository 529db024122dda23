"""Turning raw RFC 822 bytes into what a conversation needs: addresses, bodies, attachments.

Robust to real mail: multipart/alternative and related, inline cid images, forwarded
message/rfc822 parts, every charset (unknown ones fall back), broken boundaries, missing
headers. Bounded: see ``mime`` for the limits on nesting, parts and header length.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import getaddresses

from rapport.core import markup
from rapport.core.html import sanitize_html
from rapport.customers.identities import normalize_email
from rapport.inboxes.adapters.email import headers, mime, oversize
from rapport.inboxes.adapters.email.addresses import clean_address
from rapport.inboxes.adapters.email.oversize import LeftOut
from rapport.inboxes.adapters.email.senders import read_sender

DEGRADED_TEXT_BYTES = 200_000  # of a body whose structure is too complex to parse
_REMOTE_IMG = re.compile(r"(?i)<img\b[^>]*\bsrc=\"(https?:)?//")


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str = ""  # without angle brackets; set for inline (cid:) images
    inline: bool = False


@dataclass
class ParsedEmail:
    """Everything Rapport reads from one message. ``message`` keeps the parsed headers."""

    message: EmailMessage
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    from_address: str = ""
    from_name: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    reply_to: str = ""
    recipients: list[str] = field(default_factory=list)  # To, Cc, Delivered-To, X-Original-To
    subject: str = ""
    text: str = ""
    html: str = ""  # sanitised
    text_from_html: bool = False  # no text/plain part: ``text`` was made from the HTML
    attachments: list[ParsedAttachment] = field(default_factory=list)
    forwarded: list[str] = field(default_factory=list)  # texts of attached message/rfc822
    problems: list[str] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)  # shown to the agent as notes
    sender_uncertain: str = ""  # why the sender address is not exactly what From says

    @property
    def has_remote_images(self) -> bool:
        return bool(_REMOTE_IMG.search(self.html))


def message_ids(value: str) -> list[str]:
    """The ids in a Message-ID/In-Reply-To/References value, without brackets."""
    return headers.message_ids_in(value)


def fallback_message_id(raw: bytes) -> str:
    """A stable id for a message that has no Message-ID of its own."""
    return f"sha256-{hashlib.sha256(raw).hexdigest()[:40]}@rapport.invalid"


def parse_email(raw: bytes, *, max_bytes: int | None = None) -> ParsedEmail:
    """Parse ``raw``; never raises on bad mail, reports what was wrong in ``problems``.

    Over ``max_bytes`` (the inbox's cap), the largest parts are left out first and named
    in ``left_out`` (see ``oversize``); ids and hashes still come from ``raw`` itself.
    """
    fitted, left_out = oversize.fit(raw, max_bytes) if max_bytes else (raw, [])
    reason = mime.too_complex(fitted)
    if reason:
        return _parse_degraded(raw, fitted, reason, left_out)
    skipped = headers.skipped_first_line(fitted)
    message = mime.parse_bytes(fitted[skipped:])
    parsed = ParsedEmail(message=message, left_out=left_out)
    _defuse(parsed)
    if skipped:
        first_line = mime.decode_text(raw[: min(skipped, 200)], None)
        parsed.problems.append(f"a line before the headers was skipped: {first_line.strip()}")
    _read_headers(parsed, raw)
    _read_bodies(parsed)
    return parsed


def _parse_degraded(raw: bytes, fitted: bytes, reason: str, left_out: list[LeftOut]) -> ParsedEmail:
    """Headers and the first text part found by a linear scan (else the body as text):
    the structure as a whole cannot be trusted."""
    head, body = mime.split_head(fitted)
    message = mime.parse_bytes(head + b"\r\n\r\n")
    parsed = ParsedEmail(message=message, problems=[f"MIME structure not parsed: {reason}"])
    parsed.left_out = [*left_out, LeftOut("Its MIME structure", len(body), f"{reason}")]
    _defuse(parsed)
    _read_headers(parsed, raw)
    text_part = oversize.first_text_part(fitted)
    if text_part is not None:  # the customer's words, found without parsing the structure
        parsed.text = _body_text(parsed, text_part, "text")
        if mime.content_type(text_part) == "text/html":
            parsed.html = sanitize_html(parsed.text)
            parsed.text, parsed.text_from_html = html_to_text(parsed.html), True
        return parsed
    kept = body[:DEGRADED_TEXT_BYTES]
    parsed.text = mime.decode_text(kept, None)
    if len(body) > len(kept):
        parsed.left_out.append(
            LeftOut("The rest of the body", len(body) - len(kept), "too long to show unparsed")
        )
    return parsed


def _defuse(parsed: ParsedEmail) -> None:
    for name, size in mime.defuse_headers(parsed.message):
        parsed.left_out.append(
            LeftOut(f"Part of the {name} header", size, "a header may hold 8 KB at most")
        )


def _read_headers(parsed: ParsedEmail, raw: bytes) -> None:
    message = parsed.message
    # Read from the raw text, not ``policy.default``: see ``headers``.
    parsed.message_id = headers.raw_message_id(raw) or fallback_message_id(raw)
    parsed.in_reply_to = headers.raw_message_ids(raw, "In-Reply-To")
    parsed.references = headers.raw_message_ids(raw, "References")[-50:]
    sender = read_sender(message)
    parsed.from_name, parsed.from_address = sender.name, sender.address
    parsed.sender_uncertain = sender.uncertain
    if sender.uncertain:
        parsed.problems.append(f"sender: {sender.uncertain}")
    parsed.to = _addresses(message, "To")
    parsed.cc = _addresses(message, "Cc")
    reply_to = _addresses(message, "Reply-To")
    parsed.reply_to = reply_to[0] if reply_to else ""
    delivered = _addresses(message, "Delivered-To") + _addresses(message, "X-Original-To")
    parsed.recipients = list(dict.fromkeys(parsed.to + parsed.cc + delivered))
    parsed.subject = mime.header_text(message, "Subject")[:255]
    if not parsed.from_address:
        parsed.problems.append("no valid sender address in From, Sender or Return-Path")


def _addresses(message: Message, header: str) -> list[str]:
    values = mime.header_values(message, header)
    found = []
    for _, address in getaddresses(values)[:200]:
        cleaned = clean_address(address)
        if cleaned:
            found.append(cleaned)
    return list(dict.fromkeys(found))


def _read_bodies(parsed: ParsedEmail) -> None:
    message = parsed.message
    text_part = _body_part(message, ("plain",))
    html_part = _body_part(message, ("html",))
    raw_html = _body_text(parsed, html_part, "HTML")
    # Sanitised once per message; the text is read from the sanitised HTML, not again
    # from the raw (each pass over hostile HTML costs time).
    parsed.html = sanitize_html(raw_html) if raw_html else ""
    if text_part is not None:
        parsed.text = _body_text(parsed, text_part, "text")
    elif raw_html:
        parsed.text, parsed.text_from_html = html_to_text(parsed.html), True
    for part in _leaves(message):
        if part is text_part or part is html_part:
            continue
        _collect(parsed, part)


def _body_text(parsed: ParsedEmail, part: Message | None, kind: str) -> str:
    """The decoded body ``part`` ("" for None); a body cut at the limit is noted."""
    if part is None:
        return ""
    text = mime.part_text(part)
    if len(text) >= mime.MAX_TEXT_CHARS:
        size = len(mime.part_bytes(part))
        reason = f"a body is shown up to {mime.MAX_TEXT_CHARS:,} characters"
        parsed.left_out.append(LeftOut(f"The rest of the {kind} body", size, reason))
    return text


def _body_part(message: EmailMessage, kinds: tuple[str, ...]) -> Message | None:
    try:
        return message.get_body(preferencelist=kinds)
    except Exception:  # a broken structure: no body of that kind
        return None


def _leaves(message: Message) -> list[Message]:
    """Every leaf part, depth first; a message/rfc822 part counts as one leaf."""
    found: list[Message] = []
    stack: list[Message] = [message]
    while stack and len(found) < mime.MAX_PARTS:
        part = stack.pop()
        kind = mime.content_type(part)
        payload = part.get_payload()
        if kind.startswith("multipart/") and isinstance(payload, list):
            stack.extend(child for child in reversed(payload) if isinstance(child, Message))
        elif part is not message or not kind.startswith("multipart/"):
            found.append(part)
    return found


def _collect(parsed: ParsedEmail, part: Message) -> None:
    kind = mime.content_type(part)
    if kind == "message/rfc822":
        _collect_forward(parsed, part)
        return
    data = mime.part_bytes(part)
    if not data:
        return
    content_id = message_ids(mime.header_text(part, "Content-ID"))
    parsed.attachments.append(
        ParsedAttachment(
            filename=_filename(part, kind),
            content_type=kind,
            data=data,
            content_id=content_id[0] if content_id else "",
            inline=bool(content_id) and kind.startswith("image/"),
        )
    )


def _collect_forward(parsed: ParsedEmail, part: Message) -> None:
    """A forwarded message: kept whole as a .eml file, its text shown after the body."""
    inner = part.get_payload()
    inner = inner[0] if isinstance(inner, list) and inner else None
    if not isinstance(inner, Message):
        return
    data = inner.as_bytes() if hasattr(inner, "as_bytes") else b""
    subject = mime.header_text(inner, "Subject") or "forwarded message"
    parsed.attachments.append(
        ParsedAttachment(filename=f"{subject[:80]}.eml", content_type="message/rfc822", data=data)
    )
    body = _body_part(inner, ("plain", "html")) if isinstance(inner, EmailMessage) else None
    if body is not None:
        text = mime.part_text(body)
        if mime.content_type(body) == "text/html":
            text = html_to_text(text)
        sender = mime.header_text(inner, "From")
        parsed.forwarded.append(f"From: {sender}\nSubject: {subject}\n\n{text.strip()}")


def _filename(part: Message, kind: str) -> str:
    name = mime.filename(part)
    if not name:
        extension = kind.split("/")[-1][:10]
        name = f"attachment.{extension}"
    return mime.clean_line(name)[:200]


def html_to_text(html: str) -> str:
    """A readable plain-text version of an HTML body (for previews and quote detection).

    One linear pass (``core.markup``): no sanitiser is needed to read text out, and the
    result is text, escaped wherever it is shown.
    """
    plain = html_lib.unescape(markup.text_of(html[: mime.MAX_TEXT_CHARS]))
    lines = [" ".join(line.split()) for line in plain.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def is_valid_address(address: str) -> bool:
    try:
        normalize_email(address)
    except Exception:  # ValidationFailed: not an address we can reply to
        return False
    return True
