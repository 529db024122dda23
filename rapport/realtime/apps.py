from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    """Websockets for agents and chat visitors, presence, and the push subscriber."""

    name = "rapport.realtime"
    label = "realtime"
