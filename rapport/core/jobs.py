"""Enqueueing a job after commit without letting a lost job queue fail the request.

The row a job works on is the truth (an outbox ``Delivery``); the job in the queue is only
a nudge. When the queue is away (Redis down) the committed row stays, and a periodic sweep
(``outbox.sweep``) enqueues it later. Raising from the commit hook instead answered 500
for a message that *was* stored: API clients and mail providers then retried needlessly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_after_commit(enqueue: Callable[[], None], *, what: str) -> None:
    """Call ``enqueue`` once the current transaction commits; a failure is logged, not raised.

    ``what`` names the work in the log ("delivery 42"), for whoever wonders why it waited.
    """
    transaction.on_commit(lambda: try_enqueue(enqueue, what=what))


def try_enqueue(enqueue: Callable[[], None], *, what: str) -> bool:
    """``enqueue()`` now; False (logged) if the queue could not take it."""
    try:
        enqueue()
    except Exception as error:  # any queue failure: the sweeper enqueues it later
        logger.warning("could not enqueue %s, left for the sweeper: %r", what, error)
        return False
    return True
