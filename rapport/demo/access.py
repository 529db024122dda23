"""The demo's access: one scoped API token (read only, one inbox) and one pending
invitation, so Settings → API tokens and Settings → Agents show what they look like.
Their secrets are thrown away: they are examples, not keys, and no e-mail is sent."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.utils import timezone

from rapport.accounts.actions.invitations import VALID_FOR
from rapport.accounts.models import Invitation, Role, Team, TokenAccess, User
from rapport.accounts.tokens import create_token
from rapport.demo import people
from rapport.inboxes.models import Inbox


def create_access(
    staff: dict[str, User], teams: dict[str, Team], inboxes: dict[str, Inbox]
) -> None:
    owner = staff["owen"]  # the demo admin
    create_token(
        user=owner,
        name="Weekly report (read only)",
        created_by=owner,
        access=TokenAccess.READ,
        inbox_ids=[inboxes[people.SHOP_API].pk],
        expires_at=timezone.now() + timedelta(days=90),
    )
    invitation = Invitation.objects.create(
        email=f"noor@{people.STAFF_DOMAIN}",
        name="Noor Aziz",
        role=Role.AGENT,
        invited_by=owner,
        secret_hash=secrets.token_hex(32),  # a hash of nothing: the link cannot be opened
        expires_at=timezone.now() + VALID_FOR,
    )
    invitation.teams.set([teams[people.CARE]])
    invitation.inboxes.set([inboxes[people.WEBSITE], inboxes[people.LIVE_CHAT]])
