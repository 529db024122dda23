"""Which conversation an incoming mail continues (named so to not shadow stdlib ``threading``).

In order of trust: a signed token of ours (In-Reply-To/References or the Reply-To address
it was sent to); then a stored Message-ID of this inbox in In-Reply-To/References, but only
when the sender takes part in that conversation; then "[#123]" in the subject, only from
that conversation's customer. Otherwise none: a new conversation opens. So a forged token
or a guessed Message-ID never attaches mail to someone else's conversation.

A token of another inbox counts only for the chat and web-form inboxes that send their
replies by e-mail and ask for the answers at one of this inbox's addresses, and only from
that conversation's customer: then the mail continues the chat or web-form conversation.
"""

from __future__ import annotations

import re

from rapport.conversations.models import Conversation
from rapport.customers.models import Identity, IdentityKind
from rapport.inboxes import channels
from rapport.inboxes.adapters.email import tokens
from rapport.inboxes.adapters.email.addresses import clean_address
from rapport.inboxes.adapters.email.config import load_config
from rapport.inboxes.adapters.email.models import EmailDetails
from rapport.inboxes.adapters.email.parse import ParsedEmail
from rapport.inboxes.adapters.replymail import reply_address
from rapport.inboxes.models import Inbox

_NUMBER = re.compile(r"\[#(\d{1,18})\]")


def replied_by_email() -> list[str]:
    """The kinds whose replies leave by e-mail (``adapters.replymail``), answered by mail."""
    return [channel.kind for channel in channels.all_channels() if channel.replies_by_email]


def find_conversation(inbox: Inbox, parsed: ParsedEmail) -> tuple[Conversation | None, str]:
    """(conversation, how it was found) — (None, "") when the mail starts a new one."""
    by_token = _by_token(inbox, parsed)
    if by_token is not None:
        return by_token, "token"
    by_reference = _by_reference(inbox, parsed)
    if by_reference is not None:
        return by_reference, "references"
    by_subject = _by_subject(inbox, parsed)
    if by_subject is not None:
        return by_subject, "subject"
    return None, ""


def _by_token(inbox: Inbox, parsed: ParsedEmail) -> Conversation | None:
    found = [tokens.read_message_id(mid) for mid in parsed.in_reply_to + parsed.references]
    found += [tokens.read_reply_address(address) for address in parsed.recipients]
    for token in found:
        if token is None:
            continue  # not ours, or a forged or altered signature
        if token.inbox_id == inbox.pk:
            conversation = Conversation.objects.filter(
                pk=token.conversation_id, inbox=inbox
            ).first()
        else:
            conversation = _answer_by_email(inbox, token, parsed.from_address)
        if conversation is not None:
            return conversation
    return None


def _answer_by_email(inbox: Inbox, token: tokens.Token, sender: str) -> Conversation | None:
    """The chat or web-form conversation a customer answered by e-mail into this inbox.

    Those channels sign their e-mailed replies for their own inbox and ask for answers at
    their reply address. Only when that address is one of this inbox's did the answer come
    the way we sent it; and only the conversation's customer may continue it — a token
    quoted in mail forwarded by someone else opens a new conversation instead.
    """
    conversation = (
        Conversation.objects.filter(
            pk=token.conversation_id, inbox_id=token.inbox_id, inbox__kind__in=replied_by_email()
        )
        .select_related("inbox", "customer")
        .first()
    )
    if conversation is None:
        return None
    if reply_address(conversation.inbox) not in load_config(inbox).addresses:
        return None
    return conversation if _is_addressee(conversation, sender) else None


def _is_addressee(conversation: Conversation, sender: str) -> bool:
    """The sender is where the replies went: the customer's e-mail or an e-mail identity.

    A chat visitor's address is no identity (``chat.actions.set_contact``), so it is read
    from the customer; a web-form customer has both.
    """
    if not sender:
        return False
    return clean_address(conversation.customer.email) == sender or is_customer(conversation, sender)


def _by_reference(inbox: Inbox, parsed: ParsedEmail) -> Conversation | None:
    ids = list(dict.fromkeys(parsed.in_reply_to + list(reversed(parsed.references))))[:50]
    if not ids:
        return None
    details = (
        EmailDetails.objects.filter(inbox_id_copy=inbox.pk, message_id_header__in=ids)
        .select_related("message__conversation")
        .order_by("-message_id")[:20]
    )
    for detail in details:
        conversation = detail.message.conversation
        if takes_part(conversation, parsed.from_address):
            return conversation
    return None


def _by_subject(inbox: Inbox, parsed: ParsedEmail) -> Conversation | None:
    match = _NUMBER.search(parsed.subject)
    if match is None:
        return None
    conversation = Conversation.objects.filter(pk=int(match.group(1)), inbox=inbox).first()
    if conversation is None or not is_customer(conversation, parsed.from_address):
        return None
    return conversation


def is_customer(conversation: Conversation, address: str) -> bool:
    return Identity.objects.filter(
        customer_id=conversation.customer_id, kind=IdentityKind.EMAIL, address=address
    ).exists()


def takes_part(conversation: Conversation, address: str) -> bool:
    """The customer, or someone copied on the conversation's mail."""
    if not address:
        return False
    if is_customer(conversation, address):
        return True
    copied = EmailDetails.objects.filter(message__conversation=conversation).values_list("cc", "to")
    return any(address in (cc or []) or address in (to or []) for cc, to in copied[:200])
