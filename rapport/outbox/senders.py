"""Who sends what: filled by the channel side at start-up, read by the outbox.

The outbox does not know the channels; each registers a ``send(delivery) -> external id``
under its kind (an inbox kind for replies, or a delivery kind such as "notification").
``repeat_safe`` says the receiving side recognises a repeat of one delivery by its key (a
signed webhook's ``X-Rapport-Delivery``, a chat message's id), so a lost answer may simply
be sent again. Others (SMTP) cannot be asked: after a lost answer the delivery becomes
"unknown" instead of being sent twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapport.outbox.errors import DeliveryError

if TYPE_CHECKING:
    from rapport.outbox.models import Delivery


@dataclass(frozen=True)
class Handed:
    """What a sender may return instead of a bare id: how it was delivered, in words.

    E.g. a chat reply to a visitor who has left: "sent by e-mail to …", or "shown when
    they come back"; the words appear under the message.
    """

    external_id: str
    note: str = ""


Send = Callable[["Delivery"], "str | Handed"]


@dataclass(frozen=True)
class Sender:
    send: Send
    repeat_safe: bool = False


_senders: dict[str, Sender] = {}


def register_sender(kind: str, send: Send, *, repeat_safe: bool = False) -> None:
    """Make ``send`` the way deliveries of ``kind`` leave (a later call replaces it)."""
    _senders[kind] = Sender(send, repeat_safe)


def unregister_sender(kind: str) -> None:
    _senders.pop(kind, None)


def sender_kind(delivery: Delivery) -> str:
    """Replies go out by their inbox's channel; other deliveries by their own kind."""
    if delivery.kind == "reply":
        if delivery.inbox is None or delivery.message_id is None:
            raise DeliveryError("a reply delivery needs its inbox and message", permanent=True)
        return str(delivery.inbox.kind)
    return str(delivery.kind)


def sender_for(delivery: Delivery) -> Sender:
    kind = sender_kind(delivery)
    try:
        return _senders[kind]
    except KeyError:
        raise DeliveryError(
            f"nothing is set up to send {kind!r} deliveries", permanent=True
        ) from None
