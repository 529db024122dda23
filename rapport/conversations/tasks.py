"""Jobs: thin wrappers that take ids and call actions or the outbox. Safe to run twice.

Huey finds an app's jobs by importing its ``tasks`` module, so the outbox's jobs (defined
in ``outbox.py``, beside what they call) are imported here too.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from rapport.conversations.actions import wake_snoozed
from rapport.conversations.outbox import deliver_task, sweep_outbox_task

__all__ = ["deliver_task", "sweep_outbox_task", "wake_snoozed_task"]


@db_periodic_task(crontab(minute="*"))
def wake_snoozed_task() -> None:
    wake_snoozed()
