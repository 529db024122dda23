from django.apps import AppConfig


class WhatsAppTwilioChannelConfig(AppConfig):
    """Each channel's folder is a small app so it can carry its own templates and views."""

    name = "rapport.inboxes.adapters.whatsapp_twilio"
    label = "whatsapp_twilio_channel"
