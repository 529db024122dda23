from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "rapport.outbox"
    label = "outbox"

    def ready(self) -> None:
        from rapport.outbox.senders import register_sender
        from rapport.outbox.webhooks import post_signed

        # Signed webhooks carry X-Rapport-Delivery, the same on every attempt: receivers
        # recognise a repeat, so a lost answer may simply be sent again.
        register_sender("webhook", post_signed, repeat_safe=True)
