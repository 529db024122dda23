"""What every app shares: the audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """Who changed what, when. Written by actions next to the change itself."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=64)  # e.g. "conversation.assigned"
    object_type = models.CharField(max_length=64)
    object_id = models.BigIntegerField()
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id", "created_at"])]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.verb} {self.object_type}#{self.object_id}"
