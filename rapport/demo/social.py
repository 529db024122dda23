"""The demo's Facebook Page and Instagram inboxes, with one conversation each.

Written directly like the rest of the demo (``loader``): the rows are what receiving the
Meta webhooks and sending the replies would have left. The Instagram conversation opens
with a story reply and ends with a story mention, so the conversation page shows both
with their story links. No Meta app is connected: the tokens are placeholders, and a
reply sent from the demo fails with Meta's refusal, shown on the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rapport.accounts.models import User
from rapport.conversations.actions import preview_of
from rapport.conversations.models import Conversation, DeliveryStatus, Message, Status
from rapport.customers.models import Customer, Identity
from rapport.demo import people
from rapport.inboxes import channels
from rapport.inboxes.actions import clean_config
from rapport.inboxes.models import Inbox

STORY = "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17994512345678901&signature=demo"
MENTION = "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17994599999999999&signature=demo"


@dataclass(frozen=True)
class Line:
    minutes_ago: int
    direction: str  # in, out
    text: str
    author: str = ""  # a staff handle, for replies


@dataclass(frozen=True)
class SocialInbox:
    name: str
    kind: str
    account_id: str
    customer: str
    address: str  # the customer's page-scoped id
    lines: tuple[Line, ...]


INBOXES = (
    SocialInbox(
        "Facebook Page",
        "messenger",
        "106712345678901",
        "Sofia Lindqvist",
        "6152837465019283",
        (
            Line(130, "in", "Hi! Do you still have the oak serving board from last week's post?"),
            Line(
                118,
                "out",
                "Hi Sofia! Yes, two are left. Shall I hold one for you?\n"
                "Quick replies: Yes please | No thanks",
                "julia",
            ),
            Line(115, "in", "Yes please"),
            Line(114, "in", "Pressed “Track my order”"),
        ),
    ),
    SocialInbox(
        "Instagram",
        "instagram",
        "17841400000000001",
        "Noor Haddad",
        "1254459154682919",
        (
            Line(
                45,
                "in",
                f"Replied to your story: {STORY}\nLove this colour! Is the apron in sage too?",
            ),
            Line(38, "out", "It is! Sage is back in all sizes since this morning.", "kenji"),
            Line(12, "in", f"Mentioned you in their story: {MENTION}"),
        ),
    ),
)


def create_social_inboxes(staff: dict[str, User], now: datetime) -> int:
    """The two inboxes and their conversations; returns how many messages were written."""
    members = [staff[m.handle] for m in people.STAFF if m.inboxes == people.ALL_INBOXES]
    written = 0
    for spec in INBOXES:
        config = clean_config(
            spec.kind,
            {
                "page_id": spec.account_id,
                "page_token": "demo-page-token-not-connected",
                "app_secret": "demo-app-secret-not-connected",
                "verify_token": f"demo-verify-{spec.kind}",
                "page_name": people.SHOP,
            },
        )
        inbox = Inbox.objects.create(name=spec.name, kind=spec.kind, config=config)
        inbox.members.set(members)
        written += _conversation(inbox, spec, staff, now)
    return written


def _conversation(inbox: Inbox, spec: SocialInbox, staff: dict[str, User], now: datetime) -> int:
    at = [now - timedelta(minutes=line.minutes_ago) for line in spec.lines]
    inbound = [t for t, line in zip(at, spec.lines, strict=True) if line.direction == "in"]
    customer = Customer.objects.create(name=spec.customer, last_seen_at=inbound[-1])
    Customer.objects.filter(pk=customer.pk).update(created_at=at[0])  # auto_now_add
    kind = channels.get(spec.kind).address_kind  # messenger_psid, instagram_id
    Identity.objects.create(customer=customer, kind=kind, address=spec.address)
    replies = [t for t, line in zip(at, spec.lines, strict=True) if line.direction == "out"]
    conversation = Conversation.objects.create(
        inbox=inbox,
        customer=customer,
        status=Status.OPEN,
        preview=preview_of(spec.lines[-1].text),
        created_at=at[0],
        last_activity_at=at[-1],
        last_customer_message_at=inbound[-1],
        first_response_at=replies[0] if replies else None,
        waiting_since=inbound[-1] if spec.lines[-1].direction == "in" else None,
    )
    Message.objects.bulk_create(
        Message(
            conversation=conversation,
            inbox_id=inbox.pk,
            direction=line.direction,
            author=staff[line.author] if line.author else None,
            text=line.text,
            external_id=f"demo-{spec.kind}-{number}" if line.direction == "in" else "",
            delivery_status=DeliveryStatus.READ if line.direction == "out" else "",
            created_at=when,
        )
        for number, (line, when) in enumerate(zip(spec.lines, at, strict=True))
    )
    return len(spec.lines)
