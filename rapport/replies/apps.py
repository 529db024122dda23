from django.apps import AppConfig


class RepliesConfig(AppConfig):
    """Canned replies: saved answers agents insert into the reply box, personalised."""

    name = "rapport.replies"
    label = "replies"
