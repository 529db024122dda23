"""Who hears which event: the one table of subscribers (see ``rapport.core.events``).

A subscriber that does I/O writes an outbox row or enqueues a job instead of doing it inline.
"""

SUBSCRIBERS: dict[str, list[str]] = {
    "message.note_added": ["rapport.conversations.notifications.notify_mentions"],
}
