"""The one error a sender raises, and what it tells the outbox."""

from __future__ import annotations

from datetime import timedelta


class DeliveryError(Exception):
    """Sending failed, in words a person understands (they are shown on the message).

    ``permanent``: do not try again (a refused address, a missing setting).
    ``ambiguous``: the other side may have received it although we did not hear so (the
    connection broke after the whole message was handed over). The outbox then never
    resends on its own: the delivery becomes "unknown" and a person decides.
    ``retry_after``: the other side said when to try again (HTTP 429's Retry-After); the
    next attempt waits at least that long.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        ambiguous: bool = False,
        retry_after: timedelta | None = None,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.ambiguous = ambiguous
        self.retry_after = retry_after
