"""The demo's WhatsApp Cloud API inbox: two conversations, one inside the 24-hour window
(the reply box counts its time down) and one past it (the box offers only the approved
templates kept here), so the capability shows on the first start. Written by the loader.

The keys are placeholders: a reply sent in this inbox reaches no one — Meta refuses the
token (or cannot be reached) and the reply shows why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rapport.demo import people

NAME = "WhatsApp"
PHONE_NUMBER_ID = "106540352242922"

CONFIG: dict[str, object] = {
    "phone_number_id": PHONE_NUMBER_ID,
    "business_account_id": "102290129340398",
    "access_token": "demo-token-not-a-real-key",
    "app_secret": "demo-app-secret-not-a-real-key",
    "verify_token": "alder-finch-demo-verify",
    "display_phone_number": "+1 555-010-0199",
    "verified_name": people.SHOP,
    # As Rapport keeps them after a Refresh (adapters/whatsapp/templates.py).
    "templates": [
        {
            "name": "order_update",
            "language": "en_US",
            "category": "Utility",
            "header": "Order {{1}}",
            "body": "Hi {{1}}, your order {{2}} is on its way. Reply here with any question.",
            "footer": people.SHOP,
            "named": False,
            "unusable": "",
        },
        {
            "name": "follow_up",
            "language": "en",
            "category": "Utility",
            "header": "",
            "body": "Hello {{first_name}}, we are still here for your question about {{topic}}."
            " Just reply to this message.",
            "footer": "",
            "named": True,
            "unusable": "",
        },
    ],
}


@dataclass(frozen=True)
class Line:
    direction: str  # "in" or "out"
    text: str
    ago: timedelta
    author: str | None = None  # a staff handle for "out"
    reaction: str = ""  # the customer's reaction to it, shown as a badge on the message


@dataclass(frozen=True)
class Thread:
    subject: str
    status: str
    assignee: str | None
    lines: tuple[Line, ...]

    def at(self, now: datetime, line: Line) -> datetime:
        return now - line.ago


THREADS = (
    # Inside the window: the customer wrote 40 minutes ago.
    Thread(
        "New delivery address",
        "open",
        "maya",
        (
            Line(
                "in", "Hi! Can I still change the delivery address of my order?", timedelta(hours=2)
            ),
            Line(
                "out",
                "Yes, if it has not left the warehouse yet. Which address should it go to?",
                timedelta(hours=1, minutes=50),
                "maya",
                reaction="👍",
            ),
            Line("in", "Calle Mayor 12, 28013 Madrid. Thank you!", timedelta(minutes=40)),
        ),
    ),
    # Past the window: only a template can reach the customer now.
    Thread(
        "Linen shirt in XL",
        "pending",
        "julia",
        (
            Line("in", "Do you have the linen shirt in XL?", timedelta(hours=30)),
            Line(
                "out",
                "We have it in XL in sand and in navy. Shall I reserve one for you?",
                timedelta(hours=29),
                "julia",
            ),
        ),
    ),
)


def members() -> list[str]:
    """Who works the WhatsApp inbox: the live chat's staff, who answer phones too."""
    return [m.handle for m in people.STAFF if people.LIVE_CHAT in m.inboxes]
