"""The API channel's inbound endpoint: an external system posts a customer's message."""

from __future__ import annotations

from typing import Annotated

from ninja import Header, Router, Status

from rapport.accounts.auth import AuthedRequest
from rapport.accounts.models import User
from rapport.conversations.actions import receive_message
from rapport.conversations.inbound import ContinueLatest, InboundMessage, Sender
from rapport.conversations.lookups import latest_unresolved
from rapport.conversations.models import Conversation
from rapport.core.api import ObjectId, Text
from rapport.core.errors import PermissionDenied, ValidationFailed
from rapport.customers.actions import address_in_use
from rapport.customers.identities import identity_address
from rapport.customers.lookups import identity_owner
from rapport.customers.selectors import may_see_customer
from rapport.inboxes.adapters.api.schemas import InboundMessageIn, InboundMessageOut
from rapport.inboxes.models import Inbox, InboxKind
from rapport.inboxes.selectors import access_inbox

router = Router(tags=["inboxes"])


def inbound_target(
    user: User, inbox_id: int, kind: str, address: str
) -> tuple[Inbox, Conversation | None]:
    """The API inbox a message is posted to, and the conversation it would continue.

    Permission check and look-up in one statement: when the customer has an unresolved
    conversation in an inbox ``user`` may see, the action gets it and needs no read of its own.
    """
    latest = latest_unresolved(inbox_id, kind, address, visible_to=user)
    inbox = latest.inbox if latest is not None else access_inbox(user, inbox_id)
    if latest is None:
        check_identity_visible(user, kind, address)
    if inbox.kind != InboxKind.API:
        raise ValidationFailed(f"inbox {inbox_id} is a {inbox.kind_label} inbox, not an API inbox")
    if not user.can_reply:
        raise PermissionDenied("a light seat cannot post customer messages")
    return inbox, latest


def check_identity_visible(user: User, kind: str, address: str) -> None:
    """Refuse an address whose customer ``user`` may not see (issue 21, hole 4).

    Posting it would attach that customer to a conversation in this inbox, and so show
    them, their addresses and their profile to ``user``. The refusal is the one that
    editing a customer gives for a taken address, and says nothing about the owner.
    """
    if user.sees_all_inboxes:
        return
    owner = identity_owner(kind, address)
    if owner is not None and not may_see_customer(user, owner.pk):
        raise address_in_use(kind, address)


@router.post(
    "/inboxes/{inbox_id}/messages",
    response={200: InboundMessageOut, 201: InboundMessageOut},
    summary="Post a customer's message into an API inbox",
)
def post_inbound_message(
    request: AuthedRequest,
    inbox_id: ObjectId,
    payload: InboundMessageIn,
    idempotency_key: Annotated[Text, Header("", alias="Idempotency-Key", max_length=255)] = "",
) -> Status[InboundMessageOut]:
    """Store a message from a customer: 201 when stored, 200 with ``created: false`` when
    the same ``external_id`` (or ``Idempotency-Key`` header) was posted before."""
    kind = payload.identity.kind
    address = identity_address(inbox_id, kind, payload.identity.address)
    inbox, seen = inbound_target(request.auth, inbox_id, kind, address)
    received = receive_message(
        inbox=inbox,
        message=InboundMessage(
            sender=Sender(kind, address, payload.name),
            text=payload.text,
            subject=payload.subject,
            external_id=payload.external_id or idempotency_key,
            raw=payload.model_dump(),
            thread=ContinueLatest(seen=seen),
        ),
    )
    message = received.message
    body = InboundMessageOut(
        message_id=message.pk,
        conversation_id=message.conversation_id,
        customer_id=message.conversation.customer_id,
        created=received.created,
    )
    return Status(201 if received.created else 200, body)
