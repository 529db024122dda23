"""Planning the whole demo data set in memory: customers, then their conversations.

Nothing here touches the database, so the plan is easy to reason about and the loader
only has to copy it into rows.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from rapport.demo import people, threads, whatsapp
from rapport.demo.people import SHOP_API, STAFF, WEBSITE, WHOLESALE, StaffMember
from rapport.demo.threads import PlannedConversation
from rapport.demo.topics import RETAIL, WAREHOUSE_ANSWERS, WHOLESALE_TOPICS, Topic

CUSTOMERS = 300
CONVERSATIONS = 2000  # with the WhatsApp inbox's few, written apart (demo/whatsapp.py)
WHOLESALE_CONVERSATIONS = 280
CONTACTS_PER_COMPANY = 4
DAYS = 90
# How often each retail topic comes up, in the order of ``topics.RETAIL``.
RETAIL_WEIGHTS = (25, 12, 8, 12, 5, 6, 7, 5, 10, 7, 5)
WHOLESALE_WEIGHTS = (5, 3, 2)


@dataclass
class PlannedCustomer:
    name: str
    email: str
    phone: str = ""
    company_index: int | None = None
    vip: bool = False
    api_id: str = ""  # the shop's own customer id, for customers who wrote through the API
    # False for the planted duplicate: its number stays on the profile, the identity is
    # the first customer's (identities are unique), as after an address was removed.
    phone_identity: bool = True


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def plan_customers(rng: random.Random) -> list[PlannedCustomer]:
    """300 people: four contacts at each trade customer, the rest shop customers."""
    pairs = rng.sample(
        [(first, last) for first in people.FIRST_NAMES for last in people.LAST_NAMES], CUSTOMERS
    )
    customers: list[PlannedCustomer] = []
    for index, (first, last) in enumerate(pairs):
        company: int | None = index // CONTACTS_PER_COMPANY
        if company is not None and company < len(people.COMPANIES):
            local, domain = ascii_slug(first), people.COMPANIES[company].domain
        else:
            company = None
            local = f"{ascii_slug(first)}.{ascii_slug(last)}"
            domain = rng.choice(people.MAIL_DOMAINS)
        email = unique_email(local, domain, {c.email for c in customers})
        vip = rng.random() < 0.05
        customers.append(PlannedCustomer(f"{first} {last}", email, company_index=company, vip=vip))
    for number, customer in enumerate(c for c in customers if rng.random() < 0.3):
        customer.phone = people.demo_phone(number)
    plant_duplicate(customers)
    return customers


def plant_duplicate(customers: list[PlannedCustomer]) -> None:
    """Make the last shop customer the first one with a phone, written in again from a
    second e-mail address: the same name and phone, so the customer page suggests a merge
    (``customers.duplicates``) on first start. Uses no randomness: the rest stays as it is."""
    retail = [c for c in customers if c.company_index is None]
    first = next(c for c in retail if c.phone)
    second = retail[-1]
    first_name, last_name = first.name.split(" ", 1)
    local = f"{ascii_slug(first_name)}{ascii_slug(last_name)[:1]}"
    domain = next(d for d in people.MAIL_DOMAINS if not first.email.endswith(d))
    second.name, second.phone, second.phone_identity = first.name, first.phone, False
    second.email = unique_email(local, domain, {c.email for c in customers})


def unique_email(local: str, domain: str, taken: set[str]) -> str:
    email, number = f"{local}@{domain}", 1
    while email in taken:  # two contacts of one company may share a first name
        number += 1
        email = f"{local}{number}@{domain}"
    return email


def pick_customers(rng: random.Random, customers: list[PlannedCustomer]) -> list[tuple[int, str]]:
    """(customer index, inbox name) for every conversation; everyone writes at least once."""
    trade = [i for i, c in enumerate(customers) if c.company_index is not None]
    retail = [i for i, c in enumerate(customers) if c.company_index is None]
    # A few loyal customers write often, most write once or twice.
    loyalty = [rng.paretovariate(1.6) for _ in retail]
    trade_picks = trade + rng.choices(trade, k=WHOLESALE_CONVERSATIONS - len(trade))
    retail_picks = retail + rng.choices(
        retail,
        weights=loyalty,
        k=CONVERSATIONS - len(whatsapp.THREADS) - WHOLESALE_CONVERSATIONS - len(retail),
    )
    slots = [(i, WHOLESALE if rng.random() < 0.85 else WEBSITE) for i in trade_picks]
    slots += [(i, WEBSITE if rng.random() < 0.58 else SHOP_API) for i in retail_picks]
    return slots


def created_time(rng: random.Random, now: datetime) -> datetime:
    """A moment in the last 90 days, more often recent (the shop is growing), mostly by day."""
    days_ago = int(DAYS * rng.random() ** 1.3)
    day = (now - timedelta(days=days_ago)).replace(hour=0, minute=0, second=0, microsecond=0)
    at = day + timedelta(hours=rng.triangular(6, 23, 13), minutes=rng.uniform(0, 59))
    if at > now - timedelta(minutes=5):
        at = now - timedelta(minutes=rng.uniform(5, 600))
    return at


def context_for(rng: random.Random, customer: PlannedCustomer) -> dict[str, str]:
    item = rng.choice(people.PRODUCTS)
    sizes = people.SHOE_SIZES if "shoes" in item or "boots" in item else people.CLOTHING_SIZES
    size_index = rng.randrange(len(sizes) - 1)
    company = "our company"
    if customer.company_index is not None:
        company = people.COMPANIES[customer.company_index].name
    return {
        "first": customer.name.split()[0],
        "order": f"#AF-{rng.randint(10400, 48999)}",
        "item": item,
        "size": sizes[size_index],
        "new_size": sizes[size_index + 1],
        "code": rng.choice(people.DISCOUNT_CODES),
        "carrier": rng.choice(people.CARRIERS),
        "days": str(rng.randint(3, 21)),
        "amount": f"{rng.randint(12, 240)}.{rng.choice(['00', '50', '95', '99'])}",
        "city": rng.choice(people.CITIES),
        "company": company,
        "invoice": f"INV-{rng.randint(202400, 202999)}",
        "qty": str(rng.choice([12, 18, 24, 36, 48, 60])),
        "minimum": str(rng.choice([150, 250, 300, 400, 500])),
        "tracking": f"https://track.example/{rng.randint(10**9, 10**10 - 1)}",
    }


def topic_for(rng: random.Random, inbox: str) -> Topic:
    if inbox == WHOLESALE:
        return rng.choices(WHOLESALE_TOPICS, WHOLESALE_WEIGHTS)[0]
    return rng.choices(RETAIL, RETAIL_WEIGHTS)[0]


def plan_conversations(
    rng: random.Random, customers: list[PlannedCustomer], now: datetime
) -> list[PlannedConversation]:
    """2,000 conversations less the WhatsApp inbox's, oldest first (numbers grow with time)."""
    slots = sorted(
        (created_time(rng, now), index, inbox) for index, inbox in pick_customers(rng, customers)
    )
    plans = [
        PlannedConversation(
            inbox=inbox,
            customer_index=index,
            topic=topic_for(rng, inbox),
            created_at=created,
            deadline=now,
            latest=True,
            context=context_for(rng, customers[index]),
            variant=rng.randrange(6),
        )
        for created, index, inbox in slots
    ]
    link_deadlines(plans)
    for plan in plans:
        shape(rng, plan, customers[plan.customer_index], now)
    return plans


def link_deadlines(plans: list[PlannedConversation]) -> None:
    """An earlier conversation of the same customer in the same inbox ends before the next."""
    later: dict[tuple[int, str], PlannedConversation] = {}
    for plan in reversed(plans):
        key = (plan.customer_index, plan.inbox)
        if key in later:
            plan.latest = False
            plan.deadline = later[key].created_at
        later[key] = plan


def staff_for(inbox: str, team: str) -> list[StaffMember]:
    """Who can answer in ``inbox``, preferring the topic's team."""
    can_reply = [s for s in STAFF if inbox in s.inboxes and s.role in ("agent", "supervisor")]
    in_team = [s for s in can_reply if s.team == team and s.role == "agent"]
    return in_team or can_reply


def shape(
    rng: random.Random, plan: PlannedConversation, customer: PlannedCustomer, now: datetime
) -> None:
    """Decide status, people and messages of one conversation."""
    plan.status = threads.choose_status(rng, now - plan.created_at, plan.latest)
    steps = threads.shape_for(rng, plan.status)
    answered = any(step in ("out", "hold") for step in steps)
    candidates = staff_for(plan.inbox, plan.topic.team)
    if answered or rng.random() < 0.4:
        supervisor = next(s for s in STAFF if s.role == "supervisor")
        member = supervisor if rng.random() < 0.05 else rng.choice(candidates)
        plan.assignee = member.handle
        plan.team = member.team if rng.random() < 0.8 else None
    elif rng.random() < 0.3:
        plan.team = plan.topic.team
    by_handle = {s.handle: s for s in STAFF}
    agent = by_handle[plan.assignee] if plan.assignee else rng.choice(candidates)
    threads.write_messages(rng, plan, steps, agent.first_name)
    if rng.random() < 0.25:
        add_notes(rng, plan, agent)
    threads.finish(rng, plan, now)
    plan.subject = threads.fill(rng.choice(plan.topic.subjects), plan.context)
    plan.failed_send = plan.status == "pending" and plan.inbox != SHOP_API and rng.random() < 0.05
    plan.priority = priority_for(rng, plan.topic)
    plan.tags = tags_for(rng, plan, customer)


def add_notes(rng: random.Random, plan: PlannedConversation, author: StaffMember) -> None:
    """A note asking a colleague (often the warehouse), sometimes with the warehouse's answer."""
    warehouse = next(s for s in STAFF if s.handle == people.WAREHOUSE_HANDLE)
    warehouse_sees = plan.inbox in warehouse.inboxes
    if plan.topic.asks_warehouse and warehouse_sees and rng.random() < 0.6:
        mention: str | None = people.WAREHOUSE_HANDLE
    else:
        colleagues = [s.handle for s in staff_for(plan.inbox, plan.topic.team) if s != author]
        mention = rng.choice([*colleagues, people.LEAD_HANDLE]) if rng.random() < 0.85 else None
    threads.add_note(rng, plan, author.handle, mention)
    if mention == people.WAREHOUSE_HANDLE and rng.random() < 0.5:
        note = next(m for m in plan.messages if m.direction == "note")
        later = [m.at for m in plan.messages if m.at > note.at] or [plan.deadline]
        at = note.at + (min(later) - note.at) * 0.5
        text = threads.fill(rng.choice(WAREHOUSE_ANSWERS), plan.context)
        plan.messages.append(threads.PlannedMessage("note", text, at, people.WAREHOUSE_HANDLE))
        plan.messages.sort(key=lambda message: message.at)


def priority_for(rng: random.Random, topic: Topic) -> int:
    if rng.random() < topic.urgency:
        return rng.choices((3, 4), (4, 1))[0]  # high, sometimes urgent
    return rng.choices((0, 1, 2), (60, 18, 22))[0]


def tags_for(rng: random.Random, plan: PlannedConversation, customer: PlannedCustomer) -> list[str]:
    tags = [plan.topic.tag] if rng.random() < 0.92 else []
    if customer.vip:
        tags.append("vip")
    if plan.priority == 4:
        tags.append("escalated")
    if plan.inbox != WHOLESALE and rng.random() < 0.06:
        tags.append("first-order")
    return tags


def assign_api_ids(
    rng: random.Random, customers: list[PlannedCustomer], plans: list[PlannedConversation]
) -> None:
    """Customers who wrote through the shop's API are known there by the shop's customer id."""
    ids = rng.sample(range(100000, 999999), len(customers))
    writers = {plan.customer_index for plan in plans if plan.inbox == SHOP_API}
    for index in sorted(writers):
        customers[index].api_id = f"cus_{ids[index]}"
