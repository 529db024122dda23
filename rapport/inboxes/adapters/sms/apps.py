from django.apps import AppConfig


class SmsChannelConfig(AppConfig):
    """Each channel's folder is a small app so it can carry its own templates and views."""

    name = "rapport.inboxes.adapters.sms"
    label = "sms_channel"
