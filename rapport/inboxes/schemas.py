"""What the API shows of inboxes."""

from __future__ import annotations

from ninja import Schema


class InboxOut(Schema):
    id: int
    name: str
    kind: str
    public_key: str
    is_active: bool


class InboxRef(Schema):
    """An inbox as a conversation shows it."""

    id: int
    name: str
    kind: str
