from django.apps import AppConfig


class EmailChannelConfig(AppConfig):
    """The e-mail channel: its own models (raw mail, mail details, cursors, bounces) and views."""

    name = "rapport.inboxes.adapters.email"
    label = "email_channel"
    verbose_name = "E-mail channel"
