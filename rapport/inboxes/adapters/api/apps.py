from django.apps import AppConfig


class ApiChannelConfig(AppConfig):
    """Each channel's folder is a small app so it can carry its own templates and views."""

    name = "rapport.inboxes.adapters.api"
    label = "api_channel"

    def ready(self) -> None:
        from rapport.inboxes.adapters import register_channel_sender

        # The API channel's webhook carries X-Rapport-Delivery, the same on every attempt:
        # its receiver recognises a repeat, so a lost answer may simply be sent again.
        register_channel_sender("api", repeat_safe=True)
