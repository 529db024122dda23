from django.apps import AppConfig


class WhatsAppChannelConfig(AppConfig):
    """Each channel's folder is a small app so it can carry its own templates and views."""

    name = "rapport.inboxes.adapters.whatsapp"
    label = "whatsapp_channel"
