"""Replies that leave by e-mail: shared by every channel whose fallback is the customer's inbox.

The web form always answers by e-mail; live chat does when the visitor has left. Each
message gets the e-mail channel's signed Message-ID (``email.tokens``), naming this
conversation in its own inbox and stable across retries, so a resend is recognisably the
same mail. The customer's answer goes to ``reply_address`` — an address of one of the
business's e-mail inboxes — which finds the token in In-Reply-To/References (or in a
Reply-To token address) and continues this conversation (``email.threads``).
"""

from __future__ import annotations

from email.headerregistry import Address

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q

from rapport.conversations.models import Direction, Message
from rapport.core.errors import ValidationFailed
from rapport.inboxes.adapters.email import tokens
from rapport.inboxes.adapters.email.config import load_config
from rapport.inboxes.models import Inbox, InboxKind
from rapport.outbox import actions as outbox
from rapport.outbox.models import Delivery
from rapport.outbox.smtp import send_once, site_server

MAX_REFERENCES = 20


def reply_address(inbox: Inbox) -> str:
    """Where customers' answers to this inbox's e-mailed replies arrive; "" when not chosen.

    A chat inbox names it (``reply_to``); a web form's replies are answered to their sender
    (``from_email``). The server's default sender does not count: nobody chose it as a
    mailbox that an e-mail inbox reads.
    """
    address = inbox.setting("reply_to") or inbox.setting("from_email") or ""
    return str(address).strip().lower()


def sender_address(inbox: Inbox) -> str:
    """The From of e-mailed replies: the inbox's own sender, else the server's default."""
    return str(inbox.setting("from_email") or settings.DEFAULT_FROM_EMAIL)


def conversation_message_id(message: Message) -> str:
    """Our signed Message-ID of ``message``, in brackets; the same on every retry."""
    return _signed_id(message, sender_address(message.inbox).rsplit("@", 1)[-1])


def _signed_id(message: Message, domain: str) -> str:
    # ``message.inbox_id`` is its conversation's inbox: the token names where it lives.
    signed = tokens.message_id_for(
        inbox_id=message.inbox_id,
        conversation_id=message.conversation_id,
        message_id=message.pk,
        domain=domain,
    )
    return f"<{signed}>"


def safe_display_name(name: str) -> str:
    # A name is data, never header syntax: drop control characters (CR/LF injection).
    return "".join(ch for ch in name if ch.isprintable())[:80]


def _thread_headers(message: Message, domain: str) -> dict[str, str]:
    """In-Reply-To/References: the mail this one follows in the conversation, so clients thread it.

    That is our previous reply, or the customer's own mail when they answered by e-mail
    since (its e-mail details keep the Message-ID their client gave it, and its chain).
    """
    earlier = (
        Message.objects.filter(conversation_id=message.conversation_id, pk__lt=message.pk)
        .filter(
            Q(direction=Direction.OUTBOUND)
            | Q(direction=Direction.INBOUND, email__message_id_header__gt="")
        )
        .select_related("email")
        .order_by("-pk")
        .first()
    )
    if earlier is None:
        return {}
    if earlier.direction == Direction.OUTBOUND:
        parent = _signed_id(earlier, domain)
        return {"In-Reply-To": parent, "References": parent}
    details = earlier.email
    chain = [*details.references.split(), details.message_id_header][-MAX_REFERENCES:]
    return {
        "In-Reply-To": f"<{details.message_id_header}>",
        "References": " ".join(f"<{ref}>" for ref in chain),
    }


def _reply_to(inbox: Inbox, conversation_id: int) -> str:
    """The Reply-To header: the reply address, signed for this conversation where it can be.

    A token address (``support+r12-34-…@``) only when the e-mail inbox reading that address
    asked for them (``reply_to_token``: its server delivers plus-addresses); elsewhere it
    would bounce and the customer's answer would be lost. The signed Message-ID threads
    the answer either way.
    """
    address = reply_address(inbox)
    if address and _takes_token_addresses(address):
        return tokens.reply_address_for(
            address=address, inbox_id=inbox.pk, conversation_id=conversation_id
        )
    return str(inbox.setting("reply_to") or "")


def _takes_token_addresses(address: str) -> bool:
    """Whether the active e-mail inbox that reads ``address`` turned on token addresses."""
    for email_inbox in Inbox.objects.filter(kind=InboxKind.EMAIL, is_active=True):
        try:
            config = load_config(email_inbox)
        except ValidationFailed:
            continue  # a broken inbox reads no mail; its settings page says why
        if address in config.addresses:
            return config.reply_to_token
    return False


def send_reply_email(
    message: Message,
    *,
    delivery: Delivery,
    to_email: str,
    to_name: str,
    default_subject: str,
    footer: str = "",
) -> str:
    """Send an agent's reply as a plain-text e-mail, at most once; return its Message-ID.

    Raises ``DeliveryError``: permanent when the address is refused (5xx), ambiguous when
    the answer was lost after the hand-over, else transient (``outbox.smtp``).
    """
    conversation = message.conversation
    inbox = conversation.inbox
    from_address = sender_address(inbox)
    domain = from_address.rsplit("@", 1)[-1]
    sender = str(Address(display_name=safe_display_name(inbox.name), addr_spec=from_address))
    to = str(Address(display_name=safe_display_name(to_name), addr_spec=to_email))
    subject = conversation.subject or default_subject
    message_id = _signed_id(message, domain)
    body = message.text
    if message.author and message.author.signature:
        body = f"{body}\n\n-- \n{message.author.signature}"
    if footer:
        body = f"{body}\n\n{footer}"
    headers = {"Message-ID": message_id, "X-Rapport-Conversation": str(conversation.pk)}
    headers |= _thread_headers(message, domain)
    reply_to = _reply_to(inbox, conversation.pk)
    mail = EmailMultiAlternatives(
        subject=f"Re: {safe_display_name(subject)} [#{conversation.pk}]",
        body=body,
        from_email=sender,
        to=[to],
        reply_to=[reply_to] if reply_to else None,
        headers=headers,
    )
    for attachment in message.attachments.all():
        mail.attach(attachment.filename, attachment.file.read(), attachment.content_type)
    send_once(
        mail, site_server(), handing_over=lambda: outbox.handing_over(delivery, key=message_id)
    )
    return message_id
