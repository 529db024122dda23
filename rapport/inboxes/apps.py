from django.apps import AppConfig


class InboxesConfig(AppConfig):
    name = "rapport.inboxes"
    label = "inboxes"

    def ready(self) -> None:
        # Load every channel of RAPPORT_CHANNELS now: a wrong line fails at start with its
        # name, and the address kinds channels bring are known before any page shows one.
        from rapport.inboxes import channels

        channels.all_channels()
