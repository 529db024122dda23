from django.apps import AppConfig


class ChatChannelConfig(AppConfig):
    """The live-chat channel: the widget, its HTTP endpoints and the reply adapter."""

    name = "rapport.inboxes.adapters.chat"
    label = "chat_channel"
