"""Mail from machines: auto-replies, lists, bulk, no-reply senders (RFC 3834 and practice).

Such mail is still shown to agents, but never answered automatically — that is how mail
loops between two auto-responders start.
"""

from __future__ import annotations

from rapport.inboxes.adapters.email import mime
from rapport.inboxes.adapters.email.addresses import is_machine_sender
from rapport.inboxes.adapters.email.parse import ParsedEmail

_BULK = {"bulk", "list", "junk", "auto_reply"}
_SUPPRESS = {"all", "oof", "autoreply", "dr", "rn", "nrn"}


def machine_flags(parsed: ParsedEmail) -> list[str]:
    """Why this mail came from a machine (empty for a person's mail)."""
    message = parsed.message
    flags = []
    auto = mime.header_text(message, "Auto-Submitted").lower()
    if auto and not auto.startswith("no"):
        flags.append("auto-submitted")
    if mime.header_text(message, "X-Autoreply") or mime.header_text(message, "X-Autorespond"):
        flags.append("auto-replied")
    suppress = mime.header_text(message, "X-Auto-Response-Suppress").lower()
    if {word.strip() for word in suppress.split(",")} & _SUPPRESS:
        flags.append("no-auto-response")
    if mime.header_text(message, "Precedence").lower() in _BULK:
        flags.append("bulk")
    if mime.header_text(message, "List-Id") or mime.header_text(message, "List-Unsubscribe"):
        flags.append("list")
    if parsed.from_address and is_machine_sender(parsed.from_address):
        flags.append("no-reply-sender")
    if mime.header_text(message, "Return-Path").strip() == "<>":
        flags.append("null-sender")
    return flags
