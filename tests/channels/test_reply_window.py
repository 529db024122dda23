"""The customer-service window of the channel contract (``channels.ReplyWindow``), which
WhatsApp uses now and Messenger and Instagram will: when it closes, what it says, what
may still be sent after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rapport.inboxes.channels import window_after

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def test_an_open_window_says_how_long_is_left():
    window = window_after(NOW - timedelta(hours=20, minutes=48), after="an approved template")
    assert window.is_open(NOW)
    assert window.closes_at == NOW + timedelta(hours=3, minutes=12)
    assert window.words(NOW) == "Window closes in 3 h 12 min"
    assert window.words(NOW + timedelta(hours=3, minutes=5)) == "Window closes in 7 min"


def test_a_closed_window_says_since_when_and_what_may_still_be_sent():
    window = window_after(NOW - timedelta(days=3, hours=2), after="an approved template")
    assert not window.is_open(NOW)
    assert window.words(NOW) == (
        "The 24-hour window closed 2 d 2 h ago: only an approved template can be sent until"
        " the customer writes again"
    )
    assert window.permits({"template": {"name": "order_update"}}, NOW)
    assert not window.permits({"buttons": ["Yes"]}, NOW)
    assert not window.permits(None, NOW)
    assert "Free text is refused outside the window" in window.refusal(NOW)


def test_a_window_the_customer_never_opened_allows_only_what_comes_after():
    window = window_after(None, after="a message tag", hours=24 * 7)
    assert window.closes_at is None
    assert not window.is_open(NOW)
    assert window.words(NOW) == "The customer has not written yet: only a message tag can be sent"


def test_the_length_and_what_passes_are_the_channels_to_choose():
    window = window_after(
        NOW - timedelta(days=6), after="a message tag", hours=24 * 7, allowed_after=("tag",)
    )
    assert window.is_open(NOW)
    assert window.words(NOW) == "Window closes in 1 d 0 h"
    later = NOW + timedelta(days=2)
    assert window.words(later).startswith("The 7-day window closed 1 d 0 h ago")
    assert window.permits({"tag": "HUMAN_AGENT"}, later)
    assert not window.permits({"template": {}}, later)


def test_a_window_after_which_nothing_passes_says_so():
    """Messenger and Instagram: 7 days after the customer's last message, nothing leaves."""
    window = window_after(NOW - timedelta(days=8), after="", hours=24 * 7, allowed_after=())
    assert window.words(NOW) == (
        "The 7-day window closed 1 d 0 h ago: nothing can be sent until the customer writes again"
    )
    assert window.refusal(NOW) == window.words(NOW) + "."
    assert not window.permits({"template": {}}, NOW)
