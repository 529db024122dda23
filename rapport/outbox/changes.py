"""What a delivery's change means elsewhere: told to whoever registered to hear it.

The conversations side registers one listener that mirrors the outcome on the message
(its delivery status and the words shown under it) and publishes ``delivery.failed``.
Listeners run inside the outbox's transaction, so the row and the message change together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DeliveryChange:
    delivery_id: int
    message_id: int | None
    state: str  # a DeliveryState value
    error: str = ""  # what went wrong, in words
    note: str = ""  # how it was delivered, when that is worth saying (a sender's ``Handed``)
    next_attempt_at: datetime | None = None  # when it is tried again, if it is


Listener = Callable[[DeliveryChange], None]

_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    """Call ``listener`` on every change of a delivery (registering twice is harmless)."""
    if listener not in _listeners:
        _listeners.append(listener)


def tell(change: DeliveryChange) -> None:
    for listener in _listeners:
        listener(change)
