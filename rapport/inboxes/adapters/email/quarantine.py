"""The e-mail channel's quarantine source: raw mail and provider posts that stayed
unprocessable (``RawState.UNPROCESSABLE``, shown as "Quarantined"). See core/quarantine.py."""

from __future__ import annotations

from rapport.core.quarantine import Item
from rapport.inboxes.adapters.email.ingest import retry
from rapport.inboxes.adapters.email.models import RawEmail, RawFormat, RawState
from rapport.inboxes.models import Inbox

_LISTED = ("id", "inbox__name", "received_at", "source", "format", "error", "size", "attempts")


class EmailQuarantine:
    name = "email"

    def _rows(self):  # type: ignore[no-untyped-def]  # a RawEmail queryset
        return RawEmail.objects.filter(state=RawState.UNPROCESSABLE).select_related("inbox")

    def items(self, limit: int) -> list[Item]:
        rows = self._rows().only(*_LISTED, "inbox_id").order_by("-received_at", "-id")
        return [self._item(raw) for raw in rows[:limit]]

    def item(self, item_id: int) -> Item | None:
        raw = self._rows().only(*_LISTED, "inbox_id").filter(pk=item_id).first()
        return self._item(raw) if raw is not None else None

    def raw(self, item_id: int) -> bytes:
        return bytes(RawEmail.objects.values_list("data", flat=True).get(pk=item_id))

    def retry(self, item_id: int) -> tuple[bool, str]:
        raw = self._rows().get(pk=item_id)
        retry(raw)
        still = raw.state == RawState.UNPROCESSABLE
        return still, raw.error if still else raw.get_state_display()

    def owner(self, item_id: int) -> Inbox:
        return RawEmail.objects.select_related("inbox").get(pk=item_id).inbox

    def _item(self, raw: RawEmail) -> Item:
        is_mail = raw.format == RawFormat.RFC822
        what = f"{raw.get_source_display()} mail" if is_mail else raw.get_format_display()
        return Item(
            key=f"{self.name}:{raw.pk}",
            inbox_id=raw.inbox_id,
            inbox_name=raw.inbox.name,
            received_at=raw.received_at,
            what=what,
            reason=raw.error,
            size=raw.size,
            attempts=raw.attempts,
            filename=f"email-{raw.pk}.{'eml' if is_mail else 'txt'}",
            content_type="message/rfc822" if is_mail else "text/plain",
        )
