"""The demo's access: one scoped API token (read only, one inbox), so Settings → API tokens
shows what a scope looks like. Its secret is thrown away: it is an example, not a key."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from rapport.accounts.models import TokenAccess, User
from rapport.accounts.tokens import create_token
from rapport.demo import people
from rapport.inboxes.models import Inbox


def create_access(staff: dict[str, User], inboxes: dict[str, Inbox]) -> None:
    owner = staff["owen"]  # the demo admin
    create_token(
        user=owner,
        name="Weekly report (read only)",
        created_by=owner,
        access=TokenAccess.READ,
        inbox_ids=[inboxes[people.SHOP_API].pk],
        expires_at=timezone.now() + timedelta(days=90),
    )
