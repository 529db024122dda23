"""Writing a parsed mail into its conversation: thread, trust, text, attachments, details."""

from __future__ import annotations

from dataclasses import dataclass, replace
from email.message import EmailMessage

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from rapport.conversations.actions import receive_message, set_tags
from rapport.conversations.attachments import MAX_FILES
from rapport.conversations.inbound import (
    ContinueConversation,
    InboundMessage,
    OpenConversation,
    Sender,
)
from rapport.conversations.models import Conversation, Message
from rapport.customers.models import IdentityKind
from rapport.inboxes.adapters.email import dedupe, quotes
from rapport.inboxes.adapters.email.autoreply import maybe_acknowledge, maybe_tell_left_out
from rapport.inboxes.adapters.email.bounces import Bounce
from rapport.inboxes.adapters.email.config import EmailInboxConfig
from rapport.inboxes.adapters.email.models import EmailDetails, RawEmail
from rapport.inboxes.adapters.email.oversize import LeftOut, megabytes
from rapport.inboxes.adapters.email.parse import ParsedAttachment, ParsedEmail, html_to_text
from rapport.inboxes.adapters.email.threads import find_conversation
from rapport.inboxes.adapters.email.trust import Trust
from rapport.inboxes.models import Inbox

SUSPICIOUS_TAG = "suspected-spoofing"
NO_TEXT = "(This e-mail has no text.)"


@dataclass
class Body:
    text: str
    html: str
    hidden: str  # signature and quoted history, shown on request


@dataclass
class Prepared:
    """What ``ingest.prepare`` reads from a mail without the database (maybe in a worker)."""

    parsed: ParsedEmail
    bounce: Bounce | None
    trust: Trust
    flags: list[str]
    body: Body
    dedupe_key: str = ""  # see ``dedupe``: the same delivery again has the same key

    def __getstate__(self) -> dict[str, object]:
        # The parsed tree is read already (trust, flags, bounce, body) and large to send
        # back from the parse worker: only the fields read from it travel.
        state = dict(self.__dict__)
        state["parsed"] = replace(self.parsed, message=EmailMessage())
        return state


SENDER_UNCERTAIN = "sender-uncertain"  # the address was recovered, not read exactly (senders)


def deliver_parsed(
    *, inbox: Inbox, config: EmailInboxConfig, ready: Prepared, raw: RawEmail
) -> tuple[Message, bool]:
    """Store the mail as a customer message: (message, created). One transaction, or part
    of the caller's: a caller inside a transaction that goes on after an exception from
    here must run it in a savepoint (as ``ingest._outcome`` does).

    A repeat (the same ``dedupe`` key: provider id, or Message-ID and sender, or the same
    bytes; e.g. one mail to two addresses of the inbox, or a provider's retry) is caught
    by the unique external id and returns the first message with ``False``.
    """
    parsed, trust, body = ready.parsed, ready.trust, ready.body
    flags = list(ready.flags)
    spoofed = trust.dmarc_failed
    if spoofed:
        flags.append("dmarc-fail")
    if parsed.sender_uncertain:
        flags.append(SENDER_UNCERTAIN)
    conversation, _ = (None, "") if spoofed else find_conversation(inbox, parsed)
    files, skipped = _attachments(parsed.attachments)
    flags += skipped
    # No savepoint of its own: ``ingest`` runs each mail in one, which a failure here
    # rolls back (one SAVEPOINT/RELEASE pair less per mail).
    with transaction.atomic(savepoint=False):
        received = receive_message(
            inbox=home_inbox(inbox, conversation),
            message=InboundMessage(
                sender=Sender(IdentityKind.EMAIL, parsed.from_address, parsed.from_name),
                subject=parsed.subject or "(no subject)",
                text=body.text,
                html=body.html,
                external_id=dedupe.external_id(ready.dedupe_key),
                attachments=[upload for upload, _ in files],
                thread=ContinueConversation(conversation) if conversation else OpenConversation(),
            ),
        )
        message = received.message
        if not received.created:
            return message, False
        details = _store_details(message, parsed, trust, flags, body, raw, files)
        if spoofed:
            # Flagged where agents look: a tag on the conversation, the badge on the message.
            set_tags(conversation=message.conversation, actor=None, names=[SUSPICIOUS_TAG])
        if conversation is None:
            maybe_acknowledge(message.conversation, config=config, inbound=details)
        too_large = [item for item in left_out(parsed) if item.is_file]
        if too_large:
            maybe_tell_left_out(
                message.conversation, config=config, inbound=details, files=too_large
            )
    return message, True


def home_inbox(inbox: Inbox, conversation: Conversation | None) -> Inbox:
    """The inbox the message is stored in: its conversation's, usually this e-mail inbox.

    A customer's mailed answer to a chat or web-form reply continues that conversation
    (``threads``), so it belongs to that inbox like the rest of the conversation: counted,
    deduplicated (external ids are unique per inbox) and pushed there — to the agents of
    that inbox and, for chat, to the visitor's open widget.
    """
    if conversation is None or conversation.inbox_id == inbox.pk:
        return inbox
    return conversation.inbox


def mail_body(parsed: ParsedEmail) -> Body:
    """The text shown (new part and forwarded mail), the HTML, and what is hidden."""
    source = parsed.text
    html = quotes.split_html(parsed.html) if parsed.html else ""
    if parsed.text_from_html:
        # The HTML's own quote markup (blockquote, gmail_quote...) is the best guide.
        source = html_to_text(html)
    split = quotes.split_reply(source)
    text = split.new or source
    if parsed.text_from_html and parsed.text != source:
        split = quotes.Split(split.new, split.signature, _quoted_rest(parsed.text, split))
    for forwarded in parsed.forwarded:
        text = f"{text}\n\n---------- Forwarded message ----------\n{forwarded}"
    notes = "".join(f"\n\n[{item.note}]" for item in left_out(parsed))[:2000]
    limit = settings.RAPPORT_MAX_MESSAGE_CHARS - 200 - len(notes)
    if len(text) > limit:
        text = text[:limit] + "\n\n[… shortened: the full message is in the original]"
    return Body(text=(text.strip() or NO_TEXT) + notes, html=html, hidden=split.hidden)


def left_out(parsed: ParsedEmail) -> list[LeftOut]:
    """Every part of the mail the agent will not see, to be named under its text: parts cut
    to fit the inbox's size cap (``oversize``), attachments over the per-file limit or
    past the number a message may hold (``_attachments`` leaves them out)."""
    limit = settings.RAPPORT_MAX_ATTACHMENT_BYTES
    found = list(parsed.left_out)
    kept = 0
    for attachment in parsed.attachments:
        name = f"The attachment “{attachment.filename}”"
        if len(attachment.data) > limit:
            reason = f"an attachment may be {megabytes(limit)} at most"
            found.append(LeftOut(name, len(attachment.data), reason, is_file=True))
        elif kept >= MAX_FILES:
            reason = f"a message keeps {MAX_FILES} attachments at most"
            found.append(LeftOut(name, len(attachment.data), reason, is_file=True))
        else:
            kept += 1
    return found


def _quoted_rest(full_text: str, split: quotes.Split) -> str:
    """Everything of the full text that the new part does not show."""
    rest = full_text.replace(split.new, "", 1).strip() if split.new else full_text
    return "\n\n".join(part for part in (split.quoted, rest) if part and part != split.quoted)


def _attachments(
    found: list[ParsedAttachment],
) -> tuple[list[tuple[SimpleUploadedFile, ParsedAttachment]], list[str]]:
    """Files within the limits as uploads, and a note for each one left out."""
    limit = settings.RAPPORT_MAX_ATTACHMENT_BYTES
    kept: list[tuple[SimpleUploadedFile, ParsedAttachment]] = []
    skipped: list[str] = []
    for attachment in found:
        if len(attachment.data) > limit:
            skipped.append(f"attachment-too-large:{attachment.filename}:{len(attachment.data)}")
        elif len(kept) >= MAX_FILES:
            skipped.append(f"attachment-over-count:{attachment.filename}")
        else:
            upload = SimpleUploadedFile(
                attachment.filename, attachment.data, attachment.content_type
            )
            kept.append((upload, attachment))
    return kept, skipped


def _store_details(
    message: Message,
    parsed: ParsedEmail,
    trust: Trust,
    flags: list[str],
    body: Body,
    raw: RawEmail,
    files: list[tuple[SimpleUploadedFile, ParsedAttachment]],
) -> EmailDetails:
    return EmailDetails.objects.create(
        message=message,
        # The message's own inbox, also for a chat or web-form conversation answered by
        # mail: the column copies message.inbox_id. Were it the receiving e-mail inbox,
        # threads._by_reference would attach later mail quoting this Message-ID to the chat
        # conversation on its looser check (anyone copied), past the reply-address and
        # customer checks of a cross-inbox token. Every mail we send into that conversation
        # carries a signed token, which is how its answers are found.
        inbox_id_copy=message.inbox_id,
        message_id_header=parsed.message_id[:255],
        in_reply_to=(parsed.in_reply_to[0] if parsed.in_reply_to else "")[:255],
        references=" ".join(parsed.references)[:5000],
        from_address=parsed.from_address,
        from_name=parsed.from_name,
        to=parsed.to[:50],
        cc=parsed.cc[:50],
        reply_to=parsed.reply_to,
        subject=parsed.subject,
        spf=trust.spf,
        dkim=trust.dkim,
        dmarc=trust.dmarc,
        html_original=parsed.html,
        quoted_text=body.hidden,
        flags=flags,
        is_automatic=any(flag in flags for flag in ("auto-submitted", "auto-replied")),
        has_remote_images=parsed.has_remote_images,
        inline_images=_inline_map(message, files),
        raw=raw,
    )


def _inline_map(
    message: Message, files: list[tuple[SimpleUploadedFile, ParsedAttachment]]
) -> dict[str, int]:
    """content-id -> attachment id, for showing cid: images inline."""
    if not any(parsed.content_id for _, parsed in files):
        return {}
    stored = list(message.attachments.order_by("id").values_list("id", flat=True))
    return {
        parsed.content_id: attachment_id
        for (_, parsed), attachment_id in zip(files, stored, strict=False)
        if parsed.content_id
    }
