"""The outbox's jobs, for Huey (which imports each app's ``tasks``); defined in ``actions``.

Thin wrappers that take ids and call the outbox; safe to run twice.
"""

from __future__ import annotations

from rapport.outbox.actions import deliver_task, sweep_outbox_task

__all__ = ["deliver_task", "sweep_outbox_task"]
