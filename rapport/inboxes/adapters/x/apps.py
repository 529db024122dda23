from django.apps import AppConfig


class XChannelConfig(AppConfig):
    """Each channel's folder is a small app so it can carry its own templates and views."""

    name = "rapport.inboxes.adapters.x"
    label = "x_channel"
