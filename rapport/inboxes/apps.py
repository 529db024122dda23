from django.apps import AppConfig


class InboxesConfig(AppConfig):
    name = "rapport.inboxes"
    label = "inboxes"
