from django.apps import AppConfig


class VoiceChannelConfig(AppConfig):
    """Each channel's folder is a small app so it can carry its own templates and views."""

    name = "rapport.inboxes.adapters.voice"
    label = "voice_channel"
