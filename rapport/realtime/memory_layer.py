"""The in-memory channel layer (one process), sweeping expired entries once a second.

Channels' ``InMemoryChannelLayer`` walks every channel and every group membership for
expired entries on each send and each receive. With a thousand open widget sockets that
walk was a third of the server's CPU at 100 chat messages/s (py-spy, bench/realtime.py),
and it grows with every socket. Entries expire after a minute (messages) or a day (group
memberships), so sweeping at most once a second changes nothing a client can notice.
"""

from __future__ import annotations

import time

from channels.layers import InMemoryChannelLayer

SWEEP_EVERY = 1.0  # seconds


class SweepingInMemoryChannelLayer(InMemoryChannelLayer):
    _swept_at = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._swept_at < SWEEP_EVERY:
            return
        self._swept_at = now
        super()._clean_expired()  # type: ignore[misc]
