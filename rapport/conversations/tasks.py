"""Jobs: thin wrappers that take ids and call the outbox. Safe to run twice."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from rapport.conversations import outbox


@db_task()
def deliver_task(delivery_id: int) -> None:
    outbox.deliver(delivery_id)


@db_periodic_task(crontab(minute="*"))
def sweep_outbox_task() -> None:
    outbox.sweep()


@db_periodic_task(crontab(minute="*"))
def wake_snoozed_task() -> None:
    from rapport.conversations.actions import wake_snoozed

    wake_snoozed()
