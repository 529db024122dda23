"""Jobs: thin wrappers that take ids and call actions. Safe to run twice.

The outbox's jobs (deliver, sweep) are in ``rapport/outbox/tasks.py``.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from rapport.conversations.actions import wake_snoozed


@db_periodic_task(crontab(minute="*"))
def wake_snoozed_task() -> None:
    wake_snoozed()
