"""Conversations, their messages and attachments (the outbox of deliveries: ``rapport.outbox``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from rapport.customers.models import Customer
from rapport.inboxes.models import Inbox


class Status(models.TextChoices):
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"  # waiting on the customer
    SNOOZED = "snoozed", "Snoozed"
    RESOLVED = "resolved", "Resolved"


class Priority(models.IntegerChoices):
    NONE = 0, "None"
    LOW = 1, "Low"
    MEDIUM = 2, "Medium"
    HIGH = 3, "High"
    URGENT = 4, "Urgent"


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def _list_index(prefix: str, *fields: str) -> models.Index:
    return models.Index(fields=list(fields), name=f"conv_{prefix}")


class Conversation(models.Model):
    """A thread with one customer in one inbox. Its number (shown as #123) is its id.

    Timestamps are denormalised here so that list pages and SLA reports never have to
    aggregate messages: ``last_activity_at`` orders the inbox, ``waiting_since`` is set
    while the customer waits for us and cleared by our reply.
    """

    inbox = models.ForeignKey(Inbox, on_delete=models.PROTECT, related_name="conversations")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="conversations")
    subject = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NONE)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_conversations",
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="conversations")
    preview = models.CharField(max_length=160, blank=True)  # the latest message, shortened
    created_at = models.DateTimeField()
    last_activity_at = models.DateTimeField()
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            _list_index("st_act", "status", "last_activity_at", "id"),
            _list_index("in_st_act", "inbox", "status", "last_activity_at", "id"),
            _list_index("as_st_act", "assignee", "status", "last_activity_at", "id"),
            _list_index("tm_st_act", "team", "status", "last_activity_at", "id"),
            _list_index("st_wait", "status", "waiting_since", "id"),
            _list_index("in_st_wait", "inbox", "status", "waiting_since", "id"),
            _list_index("as_st_wait", "assignee", "status", "waiting_since", "id"),
            # Without it, "team · open · oldest waiting" for an agent who sees some inboxes
            # sorted every waiting conversation of those inboxes (~100 ms at 1M, bench/inbox.py).
            _list_index("tm_st_wait", "team", "status", "waiting_since", "id"),
            _list_index("cu_act", "customer", "last_activity_at"),
            models.Index(
                fields=["snoozed_until"],
                name="conv_snoozed",
                condition=Q(status="snoozed"),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def number(self) -> int:
        return self.pk

    @property
    def is_resolved(self) -> bool:
        return self.status == Status.RESOLVED


class ConversationCount(models.Model):
    """How many conversations an inbox has per status and assignee.

    Kept up to date by the actions that create, assign or change the status of a
    conversation, so tab badges are a sum over a few rows instead of a COUNT(*) over
    a million. ``rapport recount`` rebuilds the table from scratch.
    """

    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["inbox", "status", "assignee"],
                condition=Q(assignee__isnull=False),
                name="count_unique_assigned",
            ),
            models.UniqueConstraint(
                fields=["inbox", "status"],
                condition=Q(assignee__isnull=True),
                name="count_unique_unassigned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inbox_id}/{self.status}/{self.assignee_id}: {self.count}"


class Direction(models.TextChoices):
    INBOUND = "in", "Inbound"
    OUTBOUND = "out", "Outbound"
    NOTE = "note", "Internal note"


class DeliveryStatus(models.TextChoices):
    NONE = "", "—"
    QUEUED = "queued", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"  # the provider says so (a status callback)
    READ = "read", "Read"
    FAILED = "failed", "Not delivered"
    UNKNOWN = "unknown", "May have been sent"  # the answer was lost after the hand-over


class Message(models.Model):
    """One message in a conversation: from the customer, to the customer, or an internal note."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    # Copied from the conversation so the external id can be unique per inbox.
    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+")
    direction = models.CharField(max_length=4, choices=Direction.choices)
    author = models.ForeignKey(  # the agent who wrote it; empty for the customer's messages
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField()
    html = models.TextField(blank=True)  # already sanitised when stored
    external_id = models.CharField(max_length=255, blank=True)
    delivery_status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, blank=True, default=DeliveryStatus.NONE
    )
    # The words shown under an outbound message about its delivery: why it is not
    # delivered (yet), or how it was ("sent by e-mail: the visitor had left").
    delivery_error = models.TextField(blank=True)
    raw = models.JSONField(null=True, blank=True)  # the payload as it arrived, kept for audits
    # The customer's reaction to this message (an emoji; WhatsApp keeps one per person and
    # message), shown as a badge on it; "" when none or taken back (``receive_reaction``).
    reaction = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["conversation", "id"], name="msg_timeline")]
        constraints = [
            models.UniqueConstraint(
                fields=["inbox", "external_id"],
                condition=~Q(external_id=""),
                name="msg_unique_external_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.pk}"

    @property
    def is_note(self) -> bool:
        return self.direction == Direction.NOTE


class Mention(models.Model):
    """An @mention of a staff member in an internal note."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="mention_unique")]

    def __str__(self) -> str:
        return f"@{self.user_id} in message {self.message_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The original name is kept in the row only; on disk a random name avoids traversal tricks.
    import uuid

    return f"attachments/{instance.message.conversation_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file sent with a message. Always served as a download, never rendered inline."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()

    def __str__(self) -> str:
        return self.filename
