"""Channel adapters: one folder per kind of inbox, all behind one small interface.

An adapter turns an agent's reply into whatever its channel speaks (an e-mail, a signed
webhook, later an SMS...). Inbound parsing lives beside it in the same folder. Adapters are
found through a lazy registry so a channel's code is imported only when it is used.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Protocol

from django.utils.module_loading import import_string

from rapport.outbox.errors import DeliveryError
from rapport.outbox.senders import Handed, register_sender

if TYPE_CHECKING:
    from rapport.conversations.models import Message
    from rapport.outbox.models import Delivery

__all__ = ["REGISTRY", "ChannelAdapter", "DeliveryError", "adapter_for", "register_channel_sender"]


class ChannelAdapter(Protocol):
    def send(self, delivery: Delivery, message: Message) -> str | Handed:
        """Send ``message`` to the customer; return the channel's id for it (may be empty).

        Raise ``DeliveryError`` on failure.
        """
        ...


REGISTRY = {
    "webform": "rapport.inboxes.adapters.webform.adapter.WebFormAdapter",
    "api": "rapport.inboxes.adapters.api.adapter.ApiChannelAdapter",
    "chat": "rapport.inboxes.adapters.chat.adapter.ChatAdapter",
    "email": "rapport.inboxes.adapters.email.adapter.EmailAdapter",
}


@cache
def adapter_for(kind: str) -> ChannelAdapter:
    try:
        path = REGISTRY[kind]
    except KeyError:
        raise DeliveryError(f"no adapter for inbox kind {kind!r}", permanent=True) from None
    adapter: ChannelAdapter = import_string(path)()
    return adapter


def register_channel_sender(kind: str, *, repeat_safe: bool = False) -> None:
    """Tell the outbox how replies of ``kind`` inboxes leave: through that channel's adapter.

    Each channel's ``AppConfig.ready`` calls this once for its kind. ``repeat_safe``: the
    receiving side recognises a repeated delivery by its key (see ``outbox.senders``).
    """

    def send(delivery: Delivery) -> str | Handed:
        if delivery.message is None:
            raise DeliveryError("a reply delivery needs its message", permanent=True)
        return adapter_for(kind).send(delivery, delivery.message)

    register_sender(kind, send, repeat_safe=repeat_safe)
