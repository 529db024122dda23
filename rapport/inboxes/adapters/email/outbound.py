"""Building a reply as a mail: threading headers, the reply token, text + HTML, signature.

Header injection is impossible by construction: names and subjects pass through
``safe_display_name``/``clean_line`` (no control characters), addresses are validated,
and Django refuses any header value that still contains a newline.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.headerregistry import Address

from django.core.mail import EmailMultiAlternatives
from django.utils.html import escape, linebreaks

from rapport.conversations.models import Conversation, Direction, Message
from rapport.inboxes.adapters.email import tokens
from rapport.inboxes.adapters.email.addresses import clean_address, safe_display_name
from rapport.inboxes.adapters.email.config import EmailInboxConfig
from rapport.inboxes.adapters.email.mime import clean_line
from rapport.inboxes.adapters.email.models import EmailDetails

MAX_REFERENCES = 20


@dataclass(frozen=True)
class Threading:
    message_id: str
    in_reply_to: str
    references: list[str]


def threading_for(message: Message, domain: str) -> Threading:
    """Our Message-ID for ``message`` and the headers that tie it to the thread."""
    conversation = message.conversation
    own = tokens.message_id_for(
        inbox_id=conversation.inbox_id,
        conversation_id=conversation.pk,
        message_id=message.pk,
        domain=domain,
    )
    previous = _latest_before(conversation, message)
    if previous is None:
        return Threading(own, "", [])
    chain = [*previous.references.split(), previous.message_id_header]
    return Threading(own, previous.message_id_header, chain[-MAX_REFERENCES:])


def _latest_before(conversation: Conversation, message: Message) -> EmailDetails | None:
    return (
        EmailDetails.objects.filter(
            message__conversation=conversation,
            message__id__lt=message.pk,
            message__direction__in=[Direction.INBOUND, Direction.OUTBOUND],
        )
        .exclude(message_id_header="")
        .order_by("-message__id")
        .first()
    )


# The acknowledgement's subject: fixed words and the reference, never the sender's subject.
ACK_SUBJECT = "We received your message [#{number}]"


def subject_for(conversation: Conversation) -> str:
    subject = clean_line(conversation.subject) or "Your message"
    if not subject.lower().startswith(("re:", "aw:", "sv:")):
        subject = f"Re: {subject}"
    tag = f"[#{conversation.pk}]"
    return subject if tag in subject else f"{subject} {tag}"


def build_mail(
    *,
    message: Message,
    config: EmailInboxConfig,
    recipient: str,
    cc: list[str],
    threading: Threading,
    automatic: bool,
) -> EmailMultiAlternatives:
    conversation = message.conversation
    customer_name = safe_display_name(conversation.customer.name)
    sender_name = safe_display_name(config.from_name or conversation.inbox.name)
    from_address = config.from_address
    headers = {"Message-ID": f"<{threading.message_id}>"}
    if threading.in_reply_to:
        headers["In-Reply-To"] = f"<{threading.in_reply_to}>"
        headers["References"] = " ".join(f"<{ref}>" for ref in threading.references)
    if automatic:
        # RFC 3834: an automatic answer; Exchange is also asked not to auto-reply to it.
        headers["Auto-Submitted"] = "auto-replied"
        headers["X-Auto-Response-Suppress"] = "All"
    body = _text_with_signature(message)
    mail = EmailMultiAlternatives(
        subject=(
            ACK_SUBJECT.format(number=conversation.pk) if automatic else subject_for(conversation)
        ),
        body=body,
        from_email=str(Address(display_name=sender_name, addr_spec=from_address)),
        to=[str(Address(display_name=customer_name, addr_spec=recipient))],
        cc=[address for address in (clean_address(a) for a in cc) if address],
        reply_to=[_reply_to(config, conversation)],
        headers=headers,
    )
    mail.attach_alternative(_html(body), "text/html")
    for attachment in message.attachments.all():
        with attachment.file.open("rb") as handle:
            mail.attach(attachment.filename, handle.read(), attachment.content_type)
    return mail


def _reply_to(config: EmailInboxConfig, conversation: Conversation) -> str:
    if config.reply_to_token:
        return tokens.reply_address_for(
            address=config.from_address,
            inbox_id=conversation.inbox_id,
            conversation_id=conversation.pk,
        )
    return config.from_address


def _text_with_signature(message: Message) -> str:
    author = message.author
    signature = getattr(author, "signature", "") if author else ""
    return f"{message.text}\n\n-- \n{signature}" if signature else message.text


def _html(text: str) -> str:
    # The agent's text is plain text: escaped, then paragraphs and line breaks kept.
    return f"<!doctype html><html><body>{linebreaks(escape(text))}</body></html>"
