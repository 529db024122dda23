from django.apps import AppConfig


class WebformChannelConfig(AppConfig):
    """Each channel's folder is a small app so it can carry its own templates and views."""

    name = "rapport.inboxes.adapters.webform"
    label = "webform_channel"

    def ready(self) -> None:
        from rapport.inboxes.adapters import register_channel_sender

        register_channel_sender("webform")
