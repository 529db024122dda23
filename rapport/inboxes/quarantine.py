"""The webhook channels' quarantine source: stored requests whose body could not be
read (``WebhookState.UNPROCESSABLE``, shown as "Quarantined"). See core/quarantine.py."""

from __future__ import annotations

from django.db.models import QuerySet

from rapport.core.quarantine import Item
from rapport.inboxes import channels
from rapport.inboxes.models import Inbox, RawWebhook, WebhookState
from rapport.inboxes.webhooks import process

_LISTED = (
    "id",
    "inbox_id",
    "inbox__name",
    "inbox__kind",
    "received_at",
    "error",
    "size",
    "attempts",
)


class WebhookQuarantine:
    name = "webhook"

    def _rows(self) -> QuerySet[RawWebhook]:
        return RawWebhook.objects.filter(state=WebhookState.UNPROCESSABLE).select_related("inbox")

    def items(self, limit: int) -> list[Item]:
        rows = self._rows().only(*_LISTED).order_by("-received_at", "-id")
        return [self._item(raw) for raw in rows[:limit]]

    def item(self, item_id: int) -> Item | None:
        raw = self._rows().only(*_LISTED).filter(pk=item_id).first()
        return self._item(raw) if raw is not None else None

    def raw(self, item_id: int) -> bytes:
        return bytes(RawWebhook.objects.values_list("body", flat=True).get(pk=item_id))

    def retry(self, item_id: int) -> tuple[bool, str]:
        process(item_id)
        raw = RawWebhook.objects.get(pk=item_id)
        still = raw.state == WebhookState.UNPROCESSABLE
        return still, raw.error if still else raw.get_state_display()

    def owner(self, item_id: int) -> Inbox:
        return RawWebhook.objects.select_related("inbox").get(pk=item_id).inbox

    def _item(self, raw: RawWebhook) -> Item:
        return Item(
            key=f"{self.name}:{raw.pk}",
            inbox_id=raw.inbox_id,
            inbox_name=raw.inbox.name,
            received_at=raw.received_at,
            what=f"{channels.label_of(raw.inbox.kind)} webhook",
            reason=raw.error,
            size=raw.size,
            attempts=raw.attempts,
            filename=f"webhook-{raw.pk}.txt",
            content_type="text/plain",
        )
