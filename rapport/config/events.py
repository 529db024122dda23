"""Who hears which event: the one table of subscribers (see ``rapport.core.events``).

A subscriber that does I/O writes an outbox row or enqueues a job instead of doing it inline.
The realtime push is the exception: a send to the channel layer is in-process or one Redis
round trip, and the agents waiting for it are the reason the event exists.
"""

PUSH = "rapport.realtime.push"

SUBSCRIBERS: dict[str, list[str]] = {
    "message.received": [f"{PUSH}.message_received"],
    "message.reply_queued": [f"{PUSH}.reply_queued"],
    "message.note_added": [
        "rapport.conversations.notifications.notify_mentions",
        f"{PUSH}.note_added",
    ],
    "conversation.created": [
        f"{PUSH}.conversation_created",
        # A new Messenger or Instagram customer's name, asked of Meta by a job.
        "rapport.inboxes.adapters.messenger.tasks.name_new_customer",
    ],
    "conversation.assigned": [f"{PUSH}.conversation_assigned"],
    "conversation.status_changed": [f"{PUSH}.conversation_status_changed"],
    "conversation.updated": [f"{PUSH}.conversation_updated"],
    "conversation.deleted": [f"{PUSH}.conversation_deleted"],
    "delivery.failed": [f"{PUSH}.delivery_failed"],
    "chat.receipt_changed": [f"{PUSH}.receipt_changed"],
    "agent.deactivated": ["rapport.conversations.subscribers.unassign_deactivated_agent"],
    "invitation.mailed": ["rapport.conversations.notifications.mail_invitation"],
}
