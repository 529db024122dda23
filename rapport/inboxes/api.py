"""API: inboxes, and the API channel's inbound endpoint."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Header, Router

from rapport.conversations.actions import receive_message
from rapport.core.errors import PermissionDenied, ValidationFailed
from rapport.customers.identities import normalize_address
from rapport.customers.models import IdentityKind
from rapport.inboxes.models import Inbox, InboxKind
from rapport.inboxes.schemas import InboundMessageIn, InboundMessageOut, InboxOut
from rapport.inboxes.selectors import access_inbox, visible_inboxes

router = Router(tags=["inboxes"])


@router.get("/inboxes", response=list[InboxOut])
def list_inboxes(request: HttpRequest) -> list[Inbox]:
    return list(visible_inboxes(request.auth))


@router.get("/inboxes/{inbox_id}", response=InboxOut)
def get_inbox(request: HttpRequest, inbox_id: int) -> Inbox:
    return access_inbox(request.auth, inbox_id)


def identity_address(inbox: Inbox, kind: str, address: str) -> str:
    address = normalize_address(kind, address)
    # External ids are only unique within the system that issued them: keep them apart
    # per inbox so two integrations' user "42" never become one customer.
    return f"{inbox.pk}:{address}" if kind == IdentityKind.API else address


@router.post(
    "/inboxes/{inbox_id}/messages",
    response={200: InboundMessageOut, 201: InboundMessageOut},
    summary="Post a customer's message into an API inbox",
)
def post_inbound_message(
    request: HttpRequest,
    inbox_id: int,
    payload: InboundMessageIn,
    idempotency_key: str = Header("", alias="Idempotency-Key", max_length=255),
) -> tuple[int, dict[str, object]]:
    """Store a message from a customer. Posting the same ``external_id`` (or
    ``Idempotency-Key``) again returns the first message with ``created: false``."""
    user = request.auth
    inbox = access_inbox(user, inbox_id)
    if inbox.kind != InboxKind.API:
        raise ValidationFailed(f"inbox {inbox_id} is a {inbox.get_kind_display()} inbox, not an API inbox")
    if not user.can_reply:
        raise PermissionDenied("a light seat cannot post customer messages")
    received = receive_message(
        inbox=inbox,
        identity_kind=payload.identity.kind,
        address=identity_address(inbox, payload.identity.kind, payload.identity.address),
        text=payload.text,
        subject=payload.subject,
        customer_name=payload.name,
        external_id=payload.external_id or idempotency_key,
        raw=payload.dict(),
    )
    message = received.message
    body = {
        "message_id": message.pk,
        "conversation_id": message.conversation_id,
        "customer_id": message.conversation.customer_id,
        "created": received.created,
    }
    return (201 if received.created else 200), body
