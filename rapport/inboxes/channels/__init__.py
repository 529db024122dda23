"""The channel registry: every channel Rapport has, read from ``settings.RAPPORT_CHANNELS``.

Adding a channel is one folder (``inboxes/adapters/<kind>/`` with a ``channel.py`` that
subclasses ``Channel``) and one line in ``RAPPORT_CHANNELS``: the settings install the
folder as an app from that line, loading the list hands each channel's ``send`` to the
outbox (``outbox.senders.register_sender``), the URLs mount the channel's pages
(``config/urls.py``), and every page, the reply box, live updates and the outbox find the
channel here by the inbox's kind. Channels are imported on first use, not at start.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.module_loading import import_string

from rapport.core.errors import ValidationFailed
from rapport.customers import addresses
from rapport.inboxes.channels.base import (
    Channel,
    ChannelSettingsForm,
    Composer,
    InboundRefused,
    MessageAddition,
    PublicLink,
    Reply,
    ReplyWindow,
    SettingsTab,
    StatusUpdate,
    Tool,
    number_field,
    secret_field,
    window_after,
)
from rapport.outbox.errors import DeliveryError
from rapport.outbox.senders import Handed, register_sender

if TYPE_CHECKING:
    from rapport.outbox.models import Delivery

__all__ = [
    "Channel",
    "ChannelSettingsForm",
    "Composer",
    "InboundRefused",
    "MessageAddition",
    "PublicLink",
    "Reply",
    "ReplyWindow",
    "SettingsTab",
    "StatusUpdate",
    "Tool",
    "all_channels",
    "find",
    "get",
    "label_of",
    "number_field",
    "secret_field",
    "window_after",
]


@cache
def _load(paths: tuple[str, ...]) -> dict[str, Channel]:
    channels: dict[str, Channel] = {}
    for path in paths:
        channel = import_string(path)()
        if channel.kind in channels:
            raise ValueError(f"two channels in RAPPORT_CHANNELS have the kind {channel.kind!r}")
        channels[channel.kind] = channel
        register_sender(channel.kind, _sender(channel), repeat_safe=channel.repeat_safe)
        if channel.address is not None:
            addresses.register(channel.address)
    return channels


def _sender(channel: Channel) -> Callable[[Delivery], str | Handed]:
    """How the outbox sends a reply of the channel's inboxes: the channel's ``send``."""

    def send(delivery: Delivery) -> str | Handed:
        if delivery.message is None:
            raise DeliveryError("a reply delivery needs its message", permanent=True)
        return channel.send(delivery, delivery.message)

    return send


def _registry() -> dict[str, Channel]:
    # Keyed by the setting's value, so a test that registers a channel sees it at once.
    return _load(tuple(settings.RAPPORT_CHANNELS))


def all_channels() -> list[Channel]:
    """Every registered channel, in the order of ``RAPPORT_CHANNELS``."""
    return list(_registry().values())


def get(kind: str) -> Channel:
    """The channel of ``kind``; ``ValidationFailed`` names the kinds there are."""
    try:
        return _registry()[kind]
    except KeyError:
        kinds = ", ".join(_registry())
        raise ValidationFailed(f"kind must be one of: {kinds} (not {kind[:20]!r})") from None


def find(kind: str) -> Channel | None:
    """The channel of ``kind``, or None (an inbox whose channel was taken out of the list)."""
    return _registry().get(kind)


def label_of(kind: str) -> str:
    """The kind's label, or the kind itself for an inbox whose channel was taken out."""
    channel = _registry().get(kind)
    return channel.label if channel is not None else kind
