"""The demo's access examples: one scoped API token and one pending invitation, gone on reset."""

from __future__ import annotations

from datetime import UTC, datetime

from rapport.accounts.models import ApiToken, Invitation
from rapport.demo import load_demo, reset_data

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_the_demo_has_a_scoped_token_and_a_pending_invitation(db: None) -> None:
    load_demo(now=NOW)

    token = ApiToken.objects.get()
    assert token.read_only
    assert token.limited_to_inboxes
    assert [inbox.name for inbox in token.inboxes.all()] == ["Shop (API)"]
    assert token.is_active
    invitation = Invitation.objects.get()
    assert invitation.is_pending
    assert invitation.invited_by is not None
    assert invitation.invited_by.is_admin
    assert {inbox.name for inbox in invitation.inboxes.all()} == {
        "Website contact form",
        "Live chat",
    }

    reset_data()

    assert not ApiToken.objects.exists()
    assert not Invitation.objects.exists()
