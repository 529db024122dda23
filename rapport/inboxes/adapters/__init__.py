"""Channel adapters: one folder per kind of inbox, all behind one small interface.

An adapter turns an agent's reply into whatever its channel speaks (an e-mail, a signed
webhook, later an SMS...). Inbound parsing lives beside it in the same folder. Adapters are
found through a lazy registry so a channel's code is imported only when it is used.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Protocol

from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from rapport.conversations.models import Delivery, Message


class DeliveryError(Exception):
    """Sending failed. ``permanent`` tells the outbox not to try again (e.g. a rejected address)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class ChannelAdapter(Protocol):
    def send(self, delivery: Delivery, message: Message) -> str:
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
