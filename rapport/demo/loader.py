"""Writing the demo plan into the database, fast: bulk inserts in one transaction.

Demo rows are written directly rather than through the actions: replaying 10,000
messages through ``receive_message`` would take minutes and send e-mails. The loader
instead writes exactly the state the actions would have left (see ``threads``), and
finishes with ``counts.recount()`` so tab badges match the rows, and builds the search
index (``search.reindex.rebuild``), so search works on the first start.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from rapport.accounts.models import Invitation, Team, User
from rapport.conversations import counts
from rapport.conversations.actions import preview_of
from rapport.conversations.models import (
    Attachment,
    Conversation,
    ConversationCount,
    DeliveryStatus,
    Mention,
    Message,
    Tag,
)
from rapport.core.errors import Conflict
from rapport.customers.identities import identity_address, normalize_phone
from rapport.customers.models import Company, Customer, Identity, IdentityKind
from rapport.demo import messengers, people, whatsapp
from rapport.demo.access import create_access
from rapport.demo.calls import create_voicemail
from rapport.demo.plan import PlannedCustomer, assign_api_ids, plan_conversations, plan_customers
from rapport.demo.social import INBOXES as SOCIAL_INBOXES
from rapport.demo.social import create_social_inboxes
from rapport.demo.threads import (
    PlannedConversation,
    PlannedMessage,
    first_response,
    last_of,
    waiting_since,
)
from rapport.inboxes.actions import clean_config
from rapport.inboxes.models import Inbox
from rapport.outbox.models import Delivery, DeliveryKind, DeliveryState
from rapport.search import index as search_index
from rapport.search.reindex import rebuild as rebuild_search_index

# Printed on the terminal and in the README: the demo is for trying Rapport, not for the internet.
DEMO_PASSWORD = "rapport-demo"  # noqa: S105
SEED = 2024
BATCH = 500
FAILED_SEND = "mail server answered 550: b'5.1.1 mailbox unavailable'"


@dataclass(frozen=True)
class DemoSummary:
    inboxes: int
    agents: int
    teams: int
    customers: int
    conversations: int
    messages: int
    seconds: float


def load_demo(*, now: datetime | None = None, seed: int = SEED) -> DemoSummary:
    """Fill an empty help desk with the demo shop. Refuses when conversations exist."""
    started = time.monotonic()
    if Conversation.objects.exists():
        raise Conflict(
            "the database already has conversations; `rapport demo --reset` replaces them"
        )
    now = now or timezone.now()
    rng = random.Random(seed)  # noqa: S311 -- repeatable demo data, not a secret
    customer_plans = plan_customers(rng)
    plans = plan_conversations(rng, customer_plans, now)
    assign_api_ids(rng, customer_plans, plans)
    with transaction.atomic():
        staff = create_staff()
        teams = create_teams(staff)
        inboxes = create_inboxes(staff)
        create_access(staff, teams, inboxes)
        customers = create_customers(customer_plans, plans, inboxes[people.SHOP_API])
        conversations = create_conversations(plans, inboxes, customers, staff, teams)
        messages = create_messages(plans, conversations, staff)
        create_tags(plans, conversations)
        create_quarantined_mail(inboxes[people.SHOP_MAIL])
        messages += create_social_inboxes(staff, now)
        extra = create_messenger_threads(staff, now)
        messages += create_whatsapp(staff, customers, now)
        place_voicemail(inboxes[people.PHONE], customers, now)
        counts.recount()
        rebuild_search_index()
    added = len(SOCIAL_INBOXES) + len(extra)
    return DemoSummary(
        inboxes=len(inboxes) + added + 1,  # and the WhatsApp inbox
        agents=len(staff),
        teams=len(teams),
        customers=len(customers) + added,
        # and the phone line's missed call (+ 1)
        conversations=len(conversations) + added + len(whatsapp.THREADS) + 1,
        messages=messages + sum(len(thread.messages) for thread in messengers.THREADS) + 1,
        seconds=time.monotonic() - started,
    )


def create_staff() -> dict[str, User]:
    """The ten demo staff members, all with ``DEMO_PASSWORD`` (hashed once: hashing is slow)."""
    password = make_password(DEMO_PASSWORD)
    staff: dict[str, User] = {}
    for member in people.STAFF:
        user, _ = User.objects.update_or_create(
            email=member.email,
            defaults={
                "name": member.name,
                "role": member.role,
                "password": password,
                "is_active": True,
                "signature": f"{member.first_name} · {people.SHOP}",
            },
        )
        staff[member.handle] = user
    return staff


def create_teams(staff: dict[str, User]) -> dict[str, Team]:
    teams: dict[str, Team] = {}
    for name in (people.CARE, people.ORDERS):
        team, _ = Team.objects.get_or_create(name=name)
        team.members.set([staff[m.handle] for m in people.STAFF if m.team == name])
        teams[name] = team
    return teams


def create_inboxes(staff: dict[str, User]) -> dict[str, Inbox]:
    inboxes: dict[str, Inbox] = {}
    for spec in people.INBOXES:
        # Checked like the settings page checks it, so the demo never holds what it refuses.
        config = clean_config(spec.kind, spec.config)
        inbox = Inbox.objects.create(
            name=spec.name, kind=spec.kind, greeting=spec.greeting, config=config
        )
        inbox.members.set([staff[m.handle] for m in people.STAFF if spec.name in m.inboxes])
        inboxes[spec.name] = inbox
    return inboxes


def create_messenger_threads(staff: dict[str, User], now: datetime) -> list[Conversation]:
    """The Telegram and X inboxes with one conversation each (``demo/messengers.py``).
    Their config is written as it stands: it holds no token, so ``clean_config`` (which
    asks Telegram and X about the token) is not run, and the tabs say "not connected"."""
    conversations = []
    for thread in messengers.THREADS:
        inbox = Inbox.objects.create(
            name=thread.inbox, kind=thread.kind, greeting=thread.greeting, config=thread.config
        )
        inbox.members.set([staff[handle] for handle in messengers.MEMBERS])
        customer = Customer.objects.create(name=thread.customer, last_seen_at=now)
        Identity.objects.create(customer=customer, kind=thread.kind, address=thread.address)
        planned = [
            PlannedMessage(direction, text, now - ago, author)
            for direction, author, ago, text in thread.messages
        ]
        shown, inbound = last_of(planned, "in", "out"), last_of(planned, "in")
        assert shown is not None
        assert inbound is not None
        replier = next(m.author for m in planned if m.author)
        conversation = Conversation.objects.create(
            inbox=inbox,
            customer=customer,
            subject=thread.subject,
            status="open",
            assignee=staff[replier],
            preview=preview_of(shown.text),
            created_at=planned[0].at,
            last_activity_at=shown.at,
            last_customer_message_at=inbound.at,
            first_response_at=first_response(planned),
            waiting_since=waiting_since(planned, "open"),
        )
        Message.objects.bulk_create(
            Message(
                conversation=conversation,
                inbox_id=inbox.pk,
                direction=m.direction,
                author=staff[m.author] if m.author else None,
                text=m.text,
                delivery_status=DeliveryStatus.SENT if m.direction == "out" else "",
                created_at=m.at,
            )
            for m in planned
        )
        conversations.append(conversation)
    return conversations


def create_customers(
    customer_plans: list[PlannedCustomer], plans: list[PlannedConversation], shop: Inbox
) -> list[Customer]:
    """Customers with their companies and identities (e-mail, phone, shop id)."""
    companies = Company.objects.bulk_create(
        Company(name=spec.name, domain=spec.domain) for spec in people.COMPANIES
    )
    customers = Customer.objects.bulk_create(
        Customer(
            name=plan.name,
            email=plan.email,
            phone=normalize_phone(plan.phone) if plan.phone else "",
            company=companies[plan.company_index] if plan.company_index is not None else None,
            attributes={"vip": True} if plan.vip else {},
        )
        for plan in customer_plans
    )
    Identity.objects.bulk_create(identities_of(customer_plans, customers, shop))
    backdate_customers(customers, plans)
    return customers


def identities_of(
    customer_plans: list[PlannedCustomer], customers: list[Customer], shop: Inbox
) -> list[Identity]:
    """Addresses stored as the channels store them, so new messages find these customers."""
    identities = []
    for plan, customer in zip(customer_plans, customers, strict=True):
        phone = customer.phone if plan.phone_identity else ""
        addresses = [(IdentityKind.EMAIL, plan.email), (IdentityKind.PHONE, phone)]
        if plan.api_id:
            addresses.append((IdentityKind.API, identity_address(shop.pk, "api", plan.api_id)))
        identities += [
            Identity(customer=customer, kind=kind, address=address)
            for kind, address in addresses
            if address
        ]
    return identities


def backdate_customers(customers: list[Customer], plans: list[PlannedConversation]) -> None:
    """A customer exists from their first message; ``auto_now_add`` set today on insert."""
    seen: set[int] = set()
    for plan in plans:  # oldest first, so the first one seen is the earliest
        customer = customers[plan.customer_index]
        if plan.customer_index not in seen:
            seen.add(plan.customer_index)
            customer.created_at = plan.created_at
        inbound = last_of(plan.messages, "in")
        if inbound and (customer.last_seen_at is None or inbound.at > customer.last_seen_at):
            customer.last_seen_at = inbound.at
    Customer.objects.bulk_update(customers, ["created_at", "last_seen_at"], batch_size=BATCH)


def create_conversations(
    plans: list[PlannedConversation],
    inboxes: dict[str, Inbox],
    customers: list[Customer],
    staff: dict[str, User],
    teams: dict[str, Team],
) -> list[Conversation]:
    return Conversation.objects.bulk_create(
        (conversation_row(p, inboxes, customers, staff, teams) for p in plans), batch_size=BATCH
    )


def conversation_row(
    plan: PlannedConversation,
    inboxes: dict[str, Inbox],
    customers: list[Customer],
    staff: dict[str, User],
    teams: dict[str, Team],
) -> Conversation:
    """The conversation's denormalised fields, exactly as the actions would have set them."""
    shown = last_of(plan.messages, "in", "out")
    inbound = last_of(plan.messages, "in")
    assert shown is not None  # every planned conversation opens with a customer message
    return Conversation(
        inbox=inboxes[plan.inbox],
        customer=customers[plan.customer_index],
        subject=plan.subject,
        status=plan.status,
        priority=plan.priority,
        assignee=staff[plan.assignee] if plan.assignee else None,
        team=teams[plan.team] if plan.team else None,
        preview=preview_of(shown.text),
        created_at=plan.created_at,
        last_activity_at=shown.at,
        last_customer_message_at=inbound.at if inbound else None,
        first_response_at=first_response(plan.messages),
        waiting_since=waiting_since(plan.messages, plan.status),
        snoozed_until=plan.snoozed_until,
        resolved_at=plan.resolved_at,
    )


def create_messages(
    plans: list[PlannedConversation], conversations: list[Conversation], staff: dict[str, User]
) -> int:
    """Every message, then the mentions in notes and the outbox rows of failed sends."""
    rows: list[Message] = []
    mentions: list[tuple[Message, str, datetime]] = []
    failed: list[Message] = []
    for index, (plan, conversation) in enumerate(zip(plans, conversations, strict=True)):
        last_reply: Message | None = None
        for number, planned in enumerate(plan.messages):
            message = Message(
                conversation=conversation,
                inbox_id=conversation.inbox_id,
                direction=planned.direction,
                author=staff[planned.author] if planned.author else None,
                text=planned.text,
                external_id=external_id(plan, index, number, planned.direction),
                delivery_status=DeliveryStatus.SENT if planned.direction == "out" else "",
                created_at=planned.at,
            )
            rows.append(message)
            mentions.extend((message, handle, planned.at) for handle in planned.mentions)
            last_reply = message if planned.direction == "out" else last_reply
        if plan.failed_send and last_reply is not None:
            failed.append(last_reply)
    Message.objects.bulk_create(rows, batch_size=BATCH)
    create_mentions(mentions, staff)
    create_failed_deliveries(failed)
    return len(rows)


def external_id(plan: PlannedConversation, index: int, number: int, direction: str) -> str:
    """Messages from the shop's API carry the shop's id, as a real integration sends them."""
    if plan.inbox == people.SHOP_API and direction == "in":
        return f"shop-msg-{index:05d}-{number}"
    return ""


def create_mentions(mentions: list[tuple[Message, str, datetime]], staff: dict[str, User]) -> None:
    """Mentions older than a day have been read; recent ones still wait for their reader."""
    now = timezone.now()
    rows = [
        Mention(
            message=message,
            user=staff[handle],
            read_at=at + timedelta(hours=2) if now - at > timedelta(days=1) else None,
        )
        for message, handle, at in mentions
    ]
    Mention.objects.bulk_create(rows, batch_size=BATCH)
    for row, (_, _, at) in zip(rows, mentions, strict=True):
        row.created_at = at  # auto_now_add wrote today
    Mention.objects.bulk_update(rows, ["created_at"], batch_size=BATCH)


def create_failed_deliveries(messages: list[Message]) -> None:
    """A few replies bounced: the failure is visible on the message, as after a real bounce."""
    deliveries = Delivery.objects.bulk_create(
        Delivery(
            kind=DeliveryKind.REPLY,
            message=message,
            inbox_id=message.inbox_id,
            state=DeliveryState.FAILED,
            attempts=1,
            next_attempt_at=message.created_at,
            last_error=FAILED_SEND,
        )
        for message in messages
    )
    for delivery, message in zip(deliveries, messages, strict=True):
        delivery.created_at = message.created_at
    Delivery.objects.bulk_update(deliveries, ["created_at"], batch_size=BATCH)
    Message.objects.filter(pk__in=[m.pk for m in messages]).update(
        delivery_status=DeliveryStatus.FAILED, delivery_error=FAILED_SEND
    )


def create_whatsapp(staff: dict[str, User], customers: list[Customer], now: datetime) -> int:
    """The WhatsApp inbox and its two conversations (``demo/whatsapp.py``), with customers
    who already have a phone number: the same person on every channel."""
    config = clean_config("whatsapp", whatsapp.CONFIG)
    config["templates_fetched_at"] = now.isoformat()
    inbox = Inbox.objects.create(name=whatsapp.NAME, kind="whatsapp", config=config)
    inbox.members.set([staff[handle] for handle in whatsapp.members()])
    with_phone = [c for c in customers if c.phone][: len(whatsapp.THREADS)]
    written = 0
    for number, (thread, customer) in enumerate(zip(whatsapp.THREADS, with_phone, strict=True)):
        lines = thread.lines
        last_in = max(thread.at(now, line) for line in lines if line.direction == "in")
        last = thread.at(now, lines[-1])
        conversation = Conversation.objects.create(
            inbox=inbox,
            customer=customer,
            subject=thread.subject,
            status=thread.status,
            assignee=staff[thread.assignee] if thread.assignee else None,
            preview=preview_of(lines[-1].text),
            created_at=thread.at(now, lines[0]),
            last_activity_at=last,
            last_customer_message_at=last_in,
            first_response_at=next(thread.at(now, x) for x in lines if x.direction == "out"),
            waiting_since=last if lines[-1].direction == "in" else None,
        )
        Message.objects.bulk_create(
            Message(
                conversation=conversation,
                inbox_id=inbox.pk,
                direction=line.direction,
                author=staff[line.author] if line.author else None,
                text=line.text,
                external_id=f"wamid.demo-{number}-{index}",
                delivery_status=DeliveryStatus.READ if line.direction == "out" else "",
                reaction=line.reaction,
                created_at=thread.at(now, line),
            )
            for index, line in enumerate(lines)
        )
        written += len(lines)
    return written


# A mail without any sender (a broken mailer's, say): it cannot become a conversation.
QUARANTINED_MAIL = (
    b"To: " + people.SHOP_MAIL_ADDRESS.encode() + b"\r\n"
    b"Subject: Order 10231 - wrong size delivered\r\n"
    b"Message-ID: <demo-quarantined@alder-finch.example>\r\n"
    b"Date: Mon, 2 Jun 2025 10:00:00 +0000\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    b"Hello, I received the boots in 38 instead of 39. Can I swap them?\r\n"
)


def create_quarantined_mail(inbox: Inbox) -> None:
    """One mail for Settings → Quarantine, through the real pipeline (its reason is real)."""
    from rapport.inboxes.adapters.email.ingest import ingest
    from rapport.inboxes.adapters.email.models import RawSource

    ingest(inbox, QUARANTINED_MAIL, source=RawSource.SMTP, source_ref="demo")


def place_voicemail(inbox: Inbox, customers: list[Customer], now: datetime) -> None:
    """The phone line's missed call from a demo customer (``calls.py``, made through the
    actions), moved to 25 minutes before ``now`` like every planned conversation's times."""
    caller = next(customer for customer in customers if customer.phone)
    message = create_voicemail(inbox, caller=caller.phone, name=caller.name)
    at = now - timedelta(minutes=25)
    Message.objects.filter(pk=message.pk).update(created_at=at)
    Conversation.objects.filter(pk=message.conversation_id).update(
        created_at=at, last_activity_at=at, last_customer_message_at=at, waiting_since=at
    )


def create_tags(plans: list[PlannedConversation], conversations: list[Conversation]) -> None:
    names = sorted({name for plan in plans for name in plan.tags})
    tags = {name: Tag.objects.get_or_create(name=name)[0] for name in names}
    through = Conversation.tags.through
    through.objects.bulk_create(
        (
            through(conversation_id=conversation.pk, tag_id=tags[name].pk)
            for plan, conversation in zip(plans, conversations, strict=True)
            for name in plan.tags
        ),
        batch_size=BATCH,
    )


# Children before parents: conversations protect their inbox and customer from deletion.
RESET_ORDER: tuple[type[Model], ...] = (
    Delivery,
    Mention,
    Message,
    Conversation,
    ConversationCount,
    Tag,
    Identity,
    Customer,
    Company,
    Invitation,
    Inbox,
    Team,
)


def reset_data() -> dict[str, int]:
    """Delete every conversation, customer, inbox, team and tag, and the demo staff.

    Other staff accounts (such as the admin ``rapport serve`` created) are kept.
    Returns how many rows of each kind went.
    """
    deleted: dict[str, int] = {}
    with transaction.atomic():
        for attachment in Attachment.objects.all().iterator():
            attachment.file.delete(save=False)  # files live outside the database
        for model in RESET_ORDER:
            # Count only the model's own rows, not the link rows that went with them.
            rows = model._default_manager.all().delete()[1].get(model._meta.label, 0)
            deleted[str(model._meta.verbose_name_plural)] = rows
        search_index.clear()  # the rows it described are gone
        emails = [member.email for member in people.STAFF]
        rows = User.objects.filter(email__in=emails).delete()[1].get(User._meta.label, 0)
        deleted["demo staff"] = rows
    return deleted
