"""Publishing domain events.

Actions are the only code that publishes. Events reach subscribers only after the
transaction commits, so nobody reacts to a write that was rolled back. Which subscriber
hears which event is listed in one table, named by the ``EVENT_SUBSCRIBERS`` setting
(``rapport.config.events.SUBSCRIBERS``): core sits below every app, so it finds the table
by name, as Django finds ``ROOT_URLCONF``.
A subscriber that does I/O enqueues a job instead of doing it inline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import ClassVar

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """Base class of every domain event; subclasses set ``name`` (e.g. ``message.received``)."""

    name: ClassVar[str] = ""


Subscriber = Callable[[Event], None]


@cache
def subscribers_for(name: str) -> tuple[Subscriber, ...]:
    table: dict[str, list[str]] = import_string(settings.EVENT_SUBSCRIBERS)
    return tuple(import_string(path) for path in table.get(name, ()))


def publish(event: Event) -> None:
    """Deliver ``event`` to its subscribers once the current transaction commits."""
    transaction.on_commit(lambda: dispatch(event))


def dispatch(event: Event) -> None:
    for subscriber in subscribers_for(event.name):
        try:
            subscriber(event)
        except Exception:
            # One broken subscriber must not stop the others, nor undo a committed write.
            logger.exception("subscriber %r failed on %s", subscriber, event.name)
