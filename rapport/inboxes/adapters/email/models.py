"""What the e-mail channel stores beside conversations: raw mail first, then its details.

``RawEmail`` is written before any parsing, so a message that breaks the parser is still
kept, visible and retryable. ``EmailDetails`` holds what only e-mail has (headers, trust
results, the quoted history) for a conversation message, inbound or outbound.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from rapport.conversations.models import Message
from rapport.inboxes.models import Inbox


class RawSource(models.TextChoices):
    IMAP = "imap", "IMAP"
    SMTP = "smtp", "SMTP listener"
    WEBHOOK = "webhook", "Provider webhook"


class RawFormat(models.TextChoices):
    """What ``RawEmail.data`` holds: a mail, or a provider's inbound post as it was sent."""

    RFC822 = "rfc822", "E-mail (RFC 5322)"
    MAILGUN = "mailgun", "Mailgun inbound post"
    POSTMARK = "postmark", "Postmark inbound post"
    SENDGRID = "sendgrid", "SendGrid inbound post"


class RawState(models.TextChoices):
    PENDING = "pending", "Waiting to be processed"
    PROCESSED = "processed", "Processed"
    # Shown as "Quarantined": kept, listed under Settings → Quarantine, retryable.
    UNPROCESSABLE = "unprocessable", "Quarantined"
    IGNORED = "ignored", "Ignored"  # a bounce, our own mail coming back, a duplicate


class RawEmail(models.Model):
    """The bytes exactly as they arrived, deduplicated per inbox by their SHA-256.

    Usually a mail (``format`` rfc822); for a provider webhook, the whole request body
    with its Content-Type, stored before anything reads it (``posts.py`` takes the mail
    out of it when it is processed).
    """

    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+")
    sha256 = models.CharField(max_length=64)
    data = models.BinaryField()
    size = models.PositiveIntegerField()
    source = models.CharField(max_length=8, choices=RawSource.choices)
    format = models.CharField(max_length=8, choices=RawFormat.choices, default=RawFormat.RFC822)
    content_type = models.CharField(max_length=255, blank=True)  # of a provider's post
    # Where it came from, e.g. "INBOX:1700000000:42" (folder, UIDVALIDITY, UID) for IMAP.
    source_ref = models.CharField(max_length=255, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=16, choices=RawState.choices, default=RawState.PENDING)
    error = models.TextField(blank=True)  # why it is unprocessable or ignored
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["inbox", "sha256"], name="rawemail_unique_hash")
        ]
        indexes = [
            models.Index(
                fields=["inbox", "state", "id"],
                name="rawemail_todo",
                condition=Q(state__in=["pending", "unprocessable"]),
            )
        ]

    def __str__(self) -> str:
        return f"raw e-mail {self.pk} ({self.state})"

    @property
    def is_done(self) -> bool:
        return self.state in (RawState.PROCESSED, RawState.IGNORED)


class UsedWebhookToken(models.Model):
    """A Mailgun signature token seen recently: the same token again is a replay."""

    token = models.CharField(max_length=255, unique=True)  # "<inbox id>:<token>"
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return self.token


class EmailDetails(models.Model):
    """The e-mail side of one conversation message: headers, trust, quoted history, flags."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="email")
    inbox_id_copy = models.BigIntegerField()  # so Message-ID look-ups stay per inbox and indexed
    message_id_header = models.CharField(max_length=255, blank=True)  # without the brackets
    in_reply_to = models.CharField(max_length=255, blank=True)
    references = models.TextField(blank=True)
    from_address = models.CharField(max_length=320, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    to = models.JSONField(default=list, blank=True)  # ["Name <addr>", ...] as displayed
    cc = models.JSONField(default=list, blank=True)  # plain addresses
    reply_to = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    spf = models.CharField(max_length=16, blank=True)
    dkim = models.CharField(max_length=16, blank=True)
    dmarc = models.CharField(max_length=16, blank=True)
    html_original = models.TextField(blank=True)  # the whole HTML body, sanitised
    quoted_text = models.TextField(blank=True)  # history and signature split off the new text
    flags = models.JSONField(default=list, blank=True)  # e.g. ["auto-replied", "dmarc-fail"]
    is_automatic = models.BooleanField(default=False)
    has_remote_images = models.BooleanField(default=False)
    remote_images_allowed = models.BooleanField(default=False)
    inline_images = models.JSONField(default=dict, blank=True)  # content-id -> attachment id
    raw = models.ForeignKey(
        RawEmail, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["inbox_id_copy", "message_id_header"], name="emaildetails_mid")
        ]
        verbose_name_plural = "e-mail details"

    def __str__(self) -> str:
        return f"<{self.message_id_header}>"

    @property
    def is_suspicious(self) -> bool:
        return "dmarc-fail" in self.flags

    @property
    def sender_uncertain(self) -> bool:
        """The From header was malformed: the address was recovered (see ``senders``)."""
        return "sender-uncertain" in self.flags


class MailboxCursor(models.Model):
    """Where IMAP polling of one folder stopped: the next poll fetches every UID after it."""

    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+")
    folder = models.CharField(max_length=255)
    uidvalidity = models.BigIntegerField(default=0)
    last_uid = models.BigIntegerField(default=0)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["inbox", "folder"], name="cursor_unique_folder")
        ]

    def __str__(self) -> str:
        return f"{self.inbox_id}/{self.folder}@{self.uidvalidity}:{self.last_uid}"


class BouncingAddress(models.Model):
    """An address that hard-bounced: replies to it fail at once instead of bouncing again."""

    address = models.CharField(max_length=320, unique=True)
    status = models.CharField(max_length=16, blank=True)  # the DSN status, e.g. 5.1.1
    diagnostic = models.TextField(blank=True)
    bounces = models.PositiveIntegerField(default=1)
    first_bounced_at = models.DateTimeField(default=timezone.now)
    last_bounced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "bouncing addresses"

    def __str__(self) -> str:
        return f"{self.address} ({self.status})"


class ConnectionStatus(models.Model):
    """Whether an e-mail inbox's fetching and sending work: shown red on its settings.

    Written by the poll and by reply deliveries (``health.py``): the words of the last
    failure and since when it has been failing; cleared by the next success.
    """

    inbox = models.OneToOneField(Inbox, on_delete=models.CASCADE, related_name="+")
    fetch_error = models.TextField(blank=True)
    fetch_failing_since = models.DateTimeField(null=True, blank=True)
    send_error = models.TextField(blank=True)
    send_failing_since = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "connection statuses"

    def __str__(self) -> str:
        return f"inbox {self.inbox_id}: {'failing' if self.is_failing else 'working'}"

    @property
    def is_failing(self) -> bool:
        return bool(self.fetch_failing_since or self.send_failing_since)
