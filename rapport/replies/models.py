"""Canned replies: saved answers an agent inserts into the reply box, with placeholders."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from rapport.inboxes.models import Inbox

SHORTCUT_MAX = 40
TITLE_MAX = 100


class CannedReply(models.Model):
    """A saved answer. ``inbox`` empty: offered in every inbox; set: only in that one.

    ``text`` is what the agent wrote, placeholders and all (``{{ customer.first_name }}``);
    it is filled in for one conversation only when an agent inserts it (``placeholders.py``).
    A shortcut is unique among the replies one conversation can be offered: per inbox, and
    among the replies of all inboxes (the actions also keep an inbox's shortcut from
    shadowing one of all inboxes, which no database constraint can say).
    """

    shortcut = models.CharField(max_length=SHORTCUT_MAX)  # typed after "/" in the reply box
    title = models.CharField(max_length=TITLE_MAX)
    text = models.TextField()
    inbox = models.ForeignKey(
        Inbox, null=True, blank=True, on_delete=models.CASCADE, related_name="canned_replies"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["shortcut", "id"]
        verbose_name_plural = "canned replies"
        constraints = [
            models.UniqueConstraint(
                fields=["inbox", "shortcut"],
                condition=Q(inbox__isnull=False),
                name="canned_unique_shortcut_in_inbox",
            ),
            models.UniqueConstraint(
                fields=["shortcut"],
                condition=Q(inbox__isnull=True),
                name="canned_unique_shortcut_everywhere",
            ),
        ]

    def __str__(self) -> str:
        return f"/{self.shortcut}"

    @property
    def is_for_all_inboxes(self) -> bool:
        return self.inbox_id is None
