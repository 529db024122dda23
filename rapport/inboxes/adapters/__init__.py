"""Channel adapters: one folder per kind of inbox, each describing itself in ``channel.py``.

The channels are listed in ``settings.RAPPORT_CHANNELS`` and found through the registry,
``rapport.inboxes.channels``, which also hands each channel's ``send`` to the outbox.
``DeliveryError`` (the outbox's) is re-exported for the adapters that raise it.
"""

from __future__ import annotations

from rapport.outbox.errors import DeliveryError

__all__ = ["DeliveryError"]
