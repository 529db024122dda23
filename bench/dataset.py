"""The shape of the generated help desk: staff, inboxes, customers, conversations, messages.

Pure Python and deterministic for a seed: ``conversation_rows`` yields plain tuples in the
column order of the tables (see ``COLUMNS``), which ``generate.py`` bulk-loads.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from rapport.customers.names import name_key

EPOCH = dt.datetime(1970, 1, 1)
DAY_US = 86_400 * 1_000_000
SPAN_DAYS = 730  # two years of history
INBOXES = [  # name, kind, share of the conversations
    ("Support", "webform", 40),
    ("Sales", "webform", 25),
    ("Shop API", "api", 15),
    ("Partners", "api", 12),
    ("Billing", "webform", 8),
]
TEAMS = [("Tier 1", 20), ("Tier 2", 12), ("Billing", 10), ("Returns", 8)]  # name, agents
BENCH_AGENT_INBOXES = (1, 3)  # the benchmark's agent (agent01) belongs to 2 of the 5 inboxes
TAGS = [
    "bug",
    "billing",
    "refund",
    "shipping",
    "vip",
    "feature-request",
    "login",
    "invoice",
    "cancel",
    "delivery-late",
    "damaged",
    "upgrade",
    "api",
    "mobile",
    "password",
    "gdpr",
    "complaint",
    "praise",
    "urgent",
    "wholesale",
]

COLUMNS = {
    "customers_customer": (
        "id",
        "name",
        "name_key",
        "email",
        "phone",
        "attributes",
        "company_id",
        "created_at",
        "last_seen_at",
    ),
    "customers_identity": ("customer_id", "kind", "address", "created_at"),
    "conversations_conversation": (
        "id",
        "inbox_id",
        "customer_id",
        "subject",
        "status",
        "priority",
        "assignee_id",
        "team_id",
        "preview",
        "created_at",
        "last_activity_at",
        "last_customer_message_at",
        "first_response_at",
        "waiting_since",
        "snoozed_until",
        "resolved_at",
    ),
    "conversations_message": (
        "id",
        "conversation_id",
        "inbox_id",
        "direction",
        "author_id",
        "text",
        "html",
        "external_id",
        "delivery_status",
        "delivery_error",
        "raw",
        "reaction",
        "created_at",
    ),
    "conversations_conversation_tags": ("conversation_id", "tag_id"),
}

_FIRST = [
    "Anna",
    "Ben",
    "Chen",
    "Dara",
    "Emil",
    "Fatima",
    "Goran",
    "Hana",
    "Ivo",
    "Jules",
    "Kofi",
    "Lena",
    "Mateo",
    "Nora",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
]
_LAST = [
    "Meyer",
    "Okafor",
    "Silva",
    "Nguyen",
    "Kowalski",
    "Haddad",
    "Jensen",
    "Rossi",
    "Tanaka",
    "Dubois",
    "Novak",
    "Ibrahim",
    "Larsen",
    "Costa",
    "Weber",
    "Sato",
]
_SUBJECTS = [
    "Where is my order?",
    "Refund request",
    "Cannot log in",
    "Invoice missing",
    "Wrong size delivered",
    "Question about pricing",
    "Cancel my subscription",
    "Damaged package",
    "Change delivery address",
    "API returns 500",
    "Upgrade plan",
    "Password reset not arriving",
    "Bulk order quote",
    "Feedback",
    "",
]
_IN = ["Hi, {}", "Hello team, {}", "{}", "Good morning! {}", "Hey, {} Thanks."]
_IN_BODY = [
    "my order #{n} has not arrived yet and tracking has not moved for a week.",
    "I was charged twice for invoice {n}. Could you refund one of them?",
    "I cannot log in since yesterday, the reset e-mail never arrives.",
    "the parcel arrived damaged, the box was crushed and item {n} is broken.",
    "can I change the delivery address of order {n} before it ships?",
    "your API returns a 500 error when we post order {n} with two items.",
    "we would like a quote for {n} units for our shops in the north.",
    "please cancel my subscription at the end of this month.",
]
_OUT = [
    "Thanks for reaching out! {} Best regards",
    "Hi, {} Let me know if I can help further.",
    "Sorry about that. {}",
    "{} Have a great day!",
]
_OUT_BODY = [
    "I have refunded the duplicate charge; it shows within 3-5 business days.",
    "a replacement is on its way, tracking number {n} follows by e-mail.",
    "I reset your account, please try logging in again with a new password.",
    "the address is updated and the order ships tomorrow.",
    "our developers fixed the bug, orders with several items post fine now.",
    "your subscription is cancelled; you keep access until the end of the month.",
]
_NOTES = [
    "Checked with the warehouse, shipment {n} is stuck at customs.",
    "Customer is a VIP, please handle with priority.",
    "Escalated to tier 2, see #{n}.",
    "Refund approved by finance.",
]


def ts(micros: int) -> str:
    """A UTC timestamp the way Django stores it in SQLite (and PostgreSQL parses it)."""
    return (EPOCH + dt.timedelta(microseconds=micros)).isoformat(" ")


def _texts(rng: random.Random, frames: list[str], bodies: list[str], count: int) -> list[str]:
    out = []
    for _ in range(count):
        body = rng.choice(bodies).format(n=rng.randrange(1000, 99999))
        out.append(rng.choice(frames).format(body[0].upper() + body[1:]))
    return out


def preview(text: str) -> str:
    return text if len(text) <= 160 else text[:159] + "…"


@dataclass
class Staff:
    """Ids of what generate.py created with the ORM, handed to the row generator."""

    inbox_ids: list[int]
    members: dict[int, list[int]]  # inbox id -> agent ids
    teams_of: dict[int, list[int]]  # agent id -> team ids
    tag_ids: list[int]
    team_ids: list[int] = field(default_factory=list)


@dataclass
class Plan:
    conversations: int
    seed: int
    now_us: int

    @property
    def customers(self) -> int:
        return max(10, self.conversations // 5)

    @property
    def start_us(self) -> int:
        return self.now_us - SPAN_DAYS * DAY_US


def customer_rows(plan: Plan) -> Iterator[tuple[str, tuple[object, ...]]]:
    """(table, row) for every customer and identity: an e-mail each, a phone for 30 %."""
    rng = random.Random(plan.seed * 7 + 1)
    for cid in range(1, plan.customers + 1):
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        email = f"{name.split()[0].lower()}.{cid}@example{cid % 97}.com"
        phone = f"+1555{cid:07d}" if rng.random() < 0.3 else ""
        created = ts(plan.start_us + rng.randrange(SPAN_DAYS * DAY_US))
        row = (cid, name, name_key(name), email, phone, "{}", None, created, None)
        yield "customers_customer", row
        yield "customers_identity", (cid, "email", email, created)
        if phone:
            yield "customers_identity", (cid, "phone", phone, created)


_SIZES = list(range(1, 10))
_SIZE_WEIGHTS = [6, 9, 12, 14, 18, 14, 12, 9, 6]  # messages per conversation, mean 5


def _status(rng: random.Random, age_days: float) -> str:
    r = rng.random()
    if age_days < 14:  # recent conversations are mostly still being worked on
        return (
            "open" if r < 0.45 else "pending" if r < 0.6 else "snoozed" if r < 0.65 else "resolved"
        )
    return (
        "open" if r < 0.085 else "pending" if r < 0.115 else "snoozed" if r < 0.125 else "resolved"
    )


def conversation_rows(
    plan: Plan, staff: Staff, first_message_id: int = 1
) -> Iterator[tuple[str, tuple[object, ...]]]:
    """(table, row) for every conversation, its messages and its tags, in id order."""
    rng = random.Random(plan.seed)
    texts_in = _texts(rng, _IN, _IN_BODY, 400)
    texts_out = _texts(rng, _OUT, _OUT_BODY, 300)
    notes = _texts(rng, ["{}"], _NOTES, 50)
    inbox_weights = [w for _, _, w in INBOXES]
    step = SPAN_DAYS * DAY_US / plan.conversations
    mid = first_message_id
    for cid in range(1, plan.conversations + 1):
        created = plan.start_us + int((cid - 1 + rng.random()) * step)
        age_days = (plan.now_us - created) / DAY_US
        status = _status(rng, age_days)
        inbox = rng.choices(staff.inbox_ids, inbox_weights)[0]
        members = staff.members[inbox]
        assigned = rng.random() < (0.7 if status == "open" else 0.95)
        assignee = rng.choice(members) if assigned else None
        team = None
        if assignee is not None and rng.random() < 0.8:
            team = rng.choice(staff.teams_of[assignee])
        elif assignee is None and rng.random() < 0.3:
            team = rng.choice(staff.team_ids)
        customer = 1 + int(plan.customers * rng.random() ** 1.3)
        size = rng.choices(_SIZES, _SIZE_WEIGHTS)[0]
        if status == "pending":
            size = max(size, 2)
        # Who wrote each message: the customer opens, then the sides mostly alternate.
        sides = ["in"]
        for _ in range(size - 1):
            last = sides[-1] if sides[-1] != "note" else "out"
            r = rng.random()
            sides.append(
                "note" if r < 0.08 else last if r < 0.3 else ("out" if last == "in" else "in")
            )
        if (status == "open" and rng.random() < 0.75) or (status in ("snoozed",) and size == 1):
            sides[-1] = "in"
        elif status == "pending":
            sides[-1] = "out"
        # When: gaps of minutes to days, never in the future.
        times = [created]
        for _ in range(size - 1):
            times.append(times[-1] + int(rng.expovariate(1 / 7200) * 1_000_000) + 1)
        limit = plan.now_us - 1000 * size
        times = [min(t, limit + i * 1000) for i, t in enumerate(times)]
        first_response = last_in = waiting = None
        message_texts = []
        for i, side in enumerate(sides):
            if side == "in":
                text = rng.choice(texts_in)
                last_in = times[i]
                waiting = waiting or times[i]
                author = None
            else:
                text = rng.choice(texts_out if side == "out" else notes)
                author = assignee or rng.choice(members)
                if side == "out":
                    first_response = first_response or times[i]
                    waiting = None
            message_texts.append(text)
            yield (
                "conversations_message",
                (
                    mid,
                    cid,
                    inbox,
                    side,
                    author,
                    text,
                    "",
                    "",
                    "sent" if side == "out" else "",
                    "",
                    None,
                    "",
                    ts(times[i]),
                ),
            )
            mid += 1
        last = times[-1]
        resolved_at = None
        if status == "resolved":
            waiting = None
            resolved_at = ts(min(last + rng.randrange(60, 7200) * 1_000_000, plan.now_us))
        snoozed = ts(plan.now_us + rng.randrange(1, 7) * DAY_US) if status == "snoozed" else None
        priority = 0 if rng.random() < 0.8 else rng.randrange(1, 5)
        yield (
            "conversations_conversation",
            (
                cid,
                inbox,
                customer,
                rng.choice(_SUBJECTS),
                status,
                priority,
                assignee,
                team,
                preview(message_texts[-1]),
                ts(created),
                ts(last),
                ts(last_in) if last_in else None,
                ts(first_response) if first_response else None,
                ts(waiting) if waiting else None,
                snoozed,
                resolved_at,
            ),
        )
        if rng.random() < 0.3:
            for tag in set(rng.choices(staff.tag_ids, k=1 if rng.random() < 0.7 else 2)):
                yield "conversations_conversation_tags", (cid, tag)
