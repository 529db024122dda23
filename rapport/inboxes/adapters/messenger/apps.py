from django.apps import AppConfig


class MessengerChannelConfig(AppConfig):
    """Each channel's folder is a small app so it can carry its own templates and views."""

    name = "rapport.inboxes.adapters.messenger"
    label = "messenger_channel"
