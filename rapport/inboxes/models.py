"""Inboxes: the channels a business switches on."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models


class InboxKind(models.TextChoices):
    """The kinds of the channels Rapport ships, for code that names one.

    Not the list of kinds an inbox may have: that is the channel registry
    (``rapport.inboxes.channels``, from ``settings.RAPPORT_CHANNELS``).
    """

    EMAIL = "email", "E-mail"
    CHAT = "chat", "Live chat"
    WEBFORM = "webform", "Web form"
    API = "api", "API"


def new_public_key() -> str:
    return secrets.token_urlsafe(9)


class Inbox(models.Model):
    """One switched-on channel. What differs per kind lives in ``config``.

    ``kind`` names its channel; any registered channel's kind is accepted (checked by the
    actions against ``rapport.inboxes.channels``), so a new channel needs no migration.
    ``config`` is validated by that channel (``Channel.clean_config``) so each channel
    keeps its own settings — webhook URLs and secrets for the API channel, colours and
    texts for the web form — without a table per kind.
    """

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16)
    # Used in public URLs (/f/<public_key>) instead of the guessable numeric id.
    public_key = models.CharField(max_length=32, unique=True, default=new_public_key)
    greeting = models.TextField(blank=True)
    config = models.JSONField(default=dict, blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="inboxes", blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "inboxes"

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        """The channel's name on screen ("E-mail", "Live chat")."""
        from rapport.inboxes.channels import label_of

        return label_of(self.kind)

    def setting(self, key: str, default: Any = None) -> Any:
        return self.config.get(key, default)


class WebhookState(models.TextChoices):
    PENDING = "pending", "Waiting to be processed"
    PROCESSED = "processed", "Processed"
    # Shown as "Quarantined": kept, listed under Settings → Quarantine, retryable.
    UNPROCESSABLE = "unprocessable", "Quarantined"


class RawWebhook(models.Model):
    """A webhook channel's verified request, stored as it came before anything parses it.

    ``key`` is the provider's id for what the request carries (Twilio's MessageSid, with
    the status for a status callback), so a retried or doubled request is one row:
    (inbox, key) is unique. ``headers`` keeps only the headers the channel's parser reads.
    """

    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    body = models.BinaryField()
    content_type = models.CharField(max_length=255, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    size = models.PositiveIntegerField()
    received_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(
        max_length=16, choices=WebhookState.choices, default=WebhookState.PENDING
    )
    error = models.TextField(blank=True)  # why it is quarantined
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    # A pending row is due when this is empty or past (``inboxes/webhook_queue.py``): a
    # worker that claims it moves it past the time its batch may take (a lease, so a
    # killed worker's rows come due again), and a status waiting for its reply moves it
    # to the next try.
    next_try_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["inbox", "key"], name="rawwebhook_unique_key")
        ]
        indexes = [
            models.Index(
                fields=["state", "id"],
                name="rawwebhook_todo",
                condition=models.Q(state__in=["pending", "unprocessable"]),
            )
        ]

    def __str__(self) -> str:
        return f"raw webhook {self.pk} ({self.state})"
