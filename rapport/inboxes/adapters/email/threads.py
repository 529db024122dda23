"""Which conversation an incoming mail continues (named so to not shadow stdlib ``threading``).

In order of trust: a signed token of ours (In-Reply-To/References or the Reply-To address
it was sent to); then a stored Message-ID of this inbox in In-Reply-To/References, but only
when the sender takes part in that conversation; then "[#123]" in the subject, only from
that conversation's customer. Otherwise none: a new conversation opens. So a forged token
or a guessed Message-ID never attaches mail to someone else's conversation.
"""

from __future__ import annotations

import re

from rapport.conversations.models import Conversation
from rapport.customers.models import Identity, IdentityKind
from rapport.inboxes.adapters.email import tokens
from rapport.inboxes.adapters.email.models import EmailDetails
from rapport.inboxes.adapters.email.parse import ParsedEmail
from rapport.inboxes.models import Inbox

_NUMBER = re.compile(r"\[#(\d{1,18})\]")


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
        if token is not None and token.inbox_id == inbox.pk:
            conversation = Conversation.objects.filter(
                pk=token.conversation_id, inbox=inbox
            ).first()
            if conversation is not None:
                return conversation
    return None


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
