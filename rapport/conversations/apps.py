from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "rapport.conversations"
    label = "conversations"

    def ready(self) -> None:
        from rapport.conversations.actions.customers import move_customer_conversations
        from rapport.conversations.actions.deliveries import delivery_changed
        from rapport.conversations.staff_mail import send_notification
        from rapport.customers.merging import register_mover
        from rapport.outbox.changes import listen
        from rapport.outbox.senders import register_sender

        listen(delivery_changed)  # a delivery's outcome shows on its message
        register_sender("notification", send_notification)
        register_mover("conversations", move_customer_conversations)  # merges take them along
