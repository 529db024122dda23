"""The move of Delivery from conversations to the outbox keeps every row (forwards and back)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE: list[tuple[str, str | None]] = [
    ("outbox", None),
    ("conversations", "0002_team_waiting_index"),
]
STATE_BEFORE = [("conversations", "0002_team_waiting_index"), ("inboxes", "0002_inbox_kinds")]
AFTER: list[tuple[str, str | None]] = [
    ("conversations", "0003_delivery_moves_to_outbox"),
    ("outbox", "0001_initial"),
]
WHEN = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)


def migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def old_rows(executor: MigrationExecutor) -> list[int]:
    apps = executor.loader.project_state(STATE_BEFORE).apps
    Inbox = apps.get_model("inboxes", "Inbox")
    Delivery = apps.get_model("conversations", "Delivery")
    inbox = Inbox.objects.create(name="Support", kind="email")
    rows = [
        Delivery.objects.create(kind="reply", inbox=inbox, next_attempt_at=WHEN, state=state)
        for state in ("queued", "sending", "sent", "failed")
    ]
    Delivery.objects.create(
        kind="notification", payload={"to": "a@b.example"}, next_attempt_at=WHEN
    )
    return [row.pk for row in rows]


@pytest.mark.django_db(transaction=True)
def test_rows_survive_the_move_forwards_and_back() -> None:
    executor = migrate(BEFORE)
    ids = old_rows(executor)

    executor = migrate(AFTER)
    Delivery = executor.loader.project_state(AFTER).apps.get_model("outbox", "Delivery")
    moved = Delivery.objects.order_by("pk")
    assert [d.state for d in moved] == ["queued", "sending", "sent", "failed", "queued"]
    assert [d.pk for d in moved][:4] == ids
    assert moved.last().payload == {"to": "a@b.example"}
    assert {d.idempotency_key for d in moved} == {""}
    assert "outbox_delivery" in connection.introspection.table_names()
    assert "conversations_delivery" not in connection.introspection.table_names()
    # New rows continue the old numbering (the sequence moved with the table).
    new = Delivery.objects.create(kind="webhook", next_attempt_at=WHEN)
    assert new.pk > max(ids)

    executor = migrate(BEFORE)
    OldDelivery = executor.loader.project_state(STATE_BEFORE).apps.get_model(
        "conversations", "Delivery"
    )
    assert OldDelivery.objects.count() == 6
    migrate(executor.loader.graph.leaf_nodes())
