"""The outbox table: one row per thing that must leave Rapport, written before it is sent."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class DeliveryState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Not delivered"
    # The other side may have it: the answer was lost after the whole message was handed
    # over. Never resent on its own; a person checks and retries (or not).
    UNKNOWN = "unknown", "May have been sent"


class DeliveryKind(models.TextChoices):
    REPLY = "reply", "Reply"  # an agent's message, sent by the sender of the inbox's kind
    NOTIFICATION = "notification", "Notification"  # an e-mail to a staff member
    WEBHOOK = "webhook", "Webhook"  # an event posted to a subscriber's URL


class Delivery(models.Model):
    """The outbox: one row per thing that must leave Rapport, written before it is sent.

    A job sends it; a failure schedules the next attempt with exponential backoff; a
    periodic sweep re-queues rows a crash left behind. A row ends ``sent``, ``failed`` or
    ``unknown`` (it may have left; a person decides).
    """

    kind = models.CharField(max_length=16, choices=DeliveryKind.choices)
    # String references: the outbox imports neither conversations nor inboxes.
    message = models.ForeignKey(
        "conversations.Message",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    inbox = models.ForeignKey(
        "inboxes.Inbox", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    payload = models.JSONField(default=dict, blank=True)  # what non-reply kinds send
    state = models.CharField(
        max_length=8, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # While a worker sends, the row is claimed until this time; after it, the sweep retries.
    claimed_until = models.DateTimeField(null=True, blank=True)
    # Set by the sender just before the point of no return of an attempt (an SMTP DATA):
    # a claim that expires after it may have sent, so it is not resent blindly.
    handover_started_at = models.DateTimeField(null=True, blank=True)
    # What the receiving side uses to recognise a repeat (our Message-ID for e-mail),
    # stored before the first attempt leaves.
    idempotency_key = models.CharField(max_length=255, blank=True)
    last_error = models.TextField(blank=True)
    external_id = models.CharField(max_length=255, blank=True)  # the provider's id, once sent
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_due",
                condition=Q(state__in=["queued", "sending"]),
            )
        ]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"delivery {self.pk} ({self.state})"
