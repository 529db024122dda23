from django.apps import AppConfig


class InstagramChannelConfig(AppConfig):
    """Each channel's folder is a small app so it can carry its own templates and views."""

    name = "rapport.inboxes.adapters.instagram"
    label = "instagram_channel"
