from django.apps import AppConfig


class ApiChannelConfig(AppConfig):
    """Each channel's folder is a small app so it can carry its own templates and views."""

    name = "rapport.inboxes.adapters.api"
    label = "api_channel"
