from django.apps import AppConfig


class TelegramChannelConfig(AppConfig):
    """Each channel's folder is a small app so it can carry its own templates and views."""

    name = "rapport.inboxes.adapters.telegram"
    label = "telegram_channel"
