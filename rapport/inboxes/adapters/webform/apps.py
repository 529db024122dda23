from django.apps import AppConfig


class WebformChannelConfig(AppConfig):
    """Each channel's folder is a small app so it can carry its own templates and views."""

    name = "rapport.inboxes.adapters.webform"
    label = "webform_channel"
