"""The demo's messenger inboxes: a Telegram bot and an X account, one conversation each.

They show the channels' inboxes, customers (known by their Telegram or X user id, named
"Name (@handle)") and replies. Their settings hold no bot token or access token, so the
settings tabs say they are not connected and nothing tries to reach Telegram or X.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from rapport.demo.people import SHOP

TELEGRAM = "Telegram bot"
X = "X direct messages"


@dataclass(frozen=True)
class MessengerThread:
    inbox: str
    kind: str
    config: dict[str, Any]
    greeting: str
    customer: str  # "Name (@handle)", as the channel names customers
    address: str  # the customer's user id on the channel
    subject: str
    # (direction, staff handle or None, how long before now, text), oldest first
    messages: tuple[tuple[str, str | None, timedelta, str], ...]


THREADS: tuple[MessengerThread, ...] = (
    MessengerThread(
        TELEGRAM,
        "telegram",
        {"bot_username": "alder_finch_help_bot", "secret_token": "demo-not-connected"},
        "",
        "Giulia Marino (@giuliamarino)",
        "5170412233",
        "",
        (
            ("in", None, timedelta(hours=5), "Hi! I ordered the wool coat (order 10488) in M."),
            (
                "in",
                None,
                timedelta(hours=5, minutes=-1),
                "Shared a location: 45.4642, 9.19"
                " (https://www.openstreetmap.org/?mlat=45.4642&mlon=9.19)",
            ),
            (
                "out",
                "julia",
                timedelta(hours=4),
                "Hi Giulia, it ships to Milan tomorrow. M fits 38-40; keep it or swap to L?",
            ),
            ("in", None, timedelta(minutes=40), "Pressed the button “Swap to L”"),
        ),
    ),
    MessengerThread(
        X,
        "x",
        {"account_id": "1650000000000000001", "username": "alderfinch"},
        "",
        "Dan Whitfield (@danwhit)",
        "1380044556677889900",
        "",
        (
            (
                "in",
                None,
                timedelta(days=1, hours=2),
                f"Hey {SHOP}, my parcel tracking has not moved since Monday. Order 10391.",
            ),
            (
                "out",
                "kenji",
                timedelta(days=1),
                "Sorry about that, Dan! The carrier lost a scan;"
                " it is at the Leeds depot and out for delivery tomorrow.",
            ),
            ("in", None, timedelta(hours=3), "Arrived this morning, thanks!"),
        ),
    ),
)

MEMBERS = ("owen", "priya", "julia", "kenji")  # the staff who answer these inboxes
