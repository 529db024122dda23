"""Reads: the inbox lists (keyset-paginated), tab counts, and access to one conversation.

Every list is ordered by an indexed key plus the id, and pages continue "after" the last
row seen, so page 1 and page 10,000 cost the same and new messages never shift a page.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db.models import Max, Prefetch, Q, QuerySet, Sum

from rapport.accounts.models import Role, User
from rapport.conversations.models import (
    Attachment,
    Conversation,
    ConversationCount,
    Mention,
    Message,
    Status,
)
from rapport.core.errors import NotFound, ValidationFailed
from rapport.inboxes.selectors import visible_inbox_ids
from rapport.outbox.models import Delivery, DeliveryState

SORTS = {"newest", "waiting"}  # "waiting": waiting longest for a reply, first
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class ConversationFilter:
    """What the inbox list shows. ``view`` is mine, unassigned, all or team:<id>."""

    view: str = "all"
    status: str = Status.OPEN
    inbox_id: int | None = None
    tag: str | None = None
    priority: int | None = None
    assignee_id: int | None = None
    customer_id: int | None = None
    sort: str = "newest"

    def __post_init__(self) -> None:
        if self.status not in Status.values and self.status != "any":
            raise ValidationFailed(f"status must be one of {[*Status.values, 'any']}")
        if self.sort not in SORTS:
            raise ValidationFailed(f"sort must be one of {sorted(SORTS)}")
        if self.view not in {"mine", "unassigned", "all"} and not self.team_id:
            raise ValidationFailed("view must be mine, unassigned, all or team:<id>")

    @property
    def team_id(self) -> int | None:
        prefix, _, number = self.view.partition(":")
        return int(number) if prefix == "team" and number.isdigit() else None


@dataclass
class Page:
    items: list[Conversation]
    next_cursor: str | None = None
    filters: ConversationFilter = field(default_factory=ConversationFilter)


def encode_cursor(conversation: Conversation, sort: str) -> str:
    key = conversation.waiting_since if sort == "waiting" else conversation.last_activity_at
    raw = json.dumps([key.isoformat() if key else None, conversation.pk])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        moment = datetime.fromisoformat(key)
        if moment.tzinfo is None:  # cursors we hand out always carry their offset
            raise ValueError("naive cursor time")
        return moment, int(pk)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise ValidationFailed("the page cursor is not valid; start from the first page") from None


def _visible(user: User) -> QuerySet[Conversation]:
    conversations = Conversation.objects.all()
    if not user.sees_all_inboxes:
        conversations = conversations.filter(inbox_id__in=visible_inbox_ids(user))
    return conversations


def filtered_conversations(user: User, filters: ConversationFilter) -> QuerySet[Conversation]:
    rows = _visible(user)
    if filters.status != "any":
        rows = rows.filter(status=filters.status)
    if filters.view == "mine":
        rows = rows.filter(assignee=user)
    elif filters.view == "unassigned":
        rows = rows.filter(assignee__isnull=True)
    elif filters.team_id:
        rows = rows.filter(team_id=filters.team_id)
    if filters.inbox_id:
        rows = rows.filter(inbox_id=filters.inbox_id)
    if filters.assignee_id:
        rows = rows.filter(assignee_id=filters.assignee_id)
    if filters.priority is not None:
        rows = rows.filter(priority=filters.priority)
    if filters.customer_id:
        rows = rows.filter(customer_id=filters.customer_id)
    if filters.tag:
        rows = rows.filter(tags__name=filters.tag.lower())
    return rows


def _ordered(rows: QuerySet[Conversation], sort: str, cursor: str | None) -> QuerySet[Conversation]:
    if sort == "waiting":
        rows = rows.filter(waiting_since__isnull=False)
        if cursor:
            key, pk = decode_cursor(cursor)
            rows = rows.filter(Q(waiting_since__gt=key) | Q(waiting_since=key, id__gt=pk))
        return rows.order_by("waiting_since", "id")
    if cursor:
        key, pk = decode_cursor(cursor)
        rows = rows.filter(Q(last_activity_at__lt=key) | Q(last_activity_at=key, id__lt=pk))
    return rows.order_by("-last_activity_at", "-id")


def list_conversations(
    user: User, filters: ConversationFilter, *, after: str | None = None, limit: int = 25
) -> Page:
    """One page of the inbox for ``user``: at most ``limit`` rows after ``after``."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    rows = _ordered(filtered_conversations(user, filters), filters.sort, after)
    rows = rows.select_related("customer", "assignee", "inbox", "team").prefetch_related("tags")
    items = list(rows[: limit + 1])
    next_cursor = encode_cursor(items[limit - 1], filters.sort) if len(items) > limit else None
    return Page(items=items[:limit], next_cursor=next_cursor, filters=filters)


def tab_counts(user: User) -> dict[str, int]:
    """Badges for the open tabs, from the count table (never a COUNT(*) over conversations).

    One query: each badge is a filtered sum over the few open rows of the count table.
    """
    visible = None if user.sees_all_inboxes else Q(inbox_id__in=visible_inbox_ids(user))
    unassigned = Q(assignee__isnull=True) if visible is None else visible & Q(assignee__isnull=True)
    totals = ConversationCount.objects.filter(status=Status.OPEN).aggregate(
        open=Sum("count", filter=visible),
        mine=Sum("count", filter=Q(assignee_id=user.pk)),
        unassigned=Sum("count", filter=unassigned),
    )
    return {name: int(totals[name] or 0) for name in ("open", "mine", "unassigned")}


def can_see(user: User, conversation: Conversation) -> bool:
    if user.sees_all_inboxes or conversation.inbox_id in visible_inbox_ids(user):
        return True
    if user.inbox_limit is not None:  # an API token limited to other inboxes
        return False
    # Staff outside the inbox still see a conversation they were mentioned in.
    return Mention.objects.filter(user=user, message__conversation=conversation).exists()


def seen_by(user: User, *, through: str = "") -> Q:
    """``can_see`` as a condition on many rows at once (search): the conversations of the
    user's inboxes and those they were mentioned in. ``through`` is the path from the rows
    queried to something with ``inbox_id`` and ``conversation_id`` (a message, or
    ``"message__"`` from a search row)."""
    if user.sees_all_inboxes:
        return Q()
    mentioned = Mention.objects.filter(user=user).values("message__conversation_id")
    return Q(**{f"{through}inbox_id__in": visible_inbox_ids(user)}) | Q(
        **{f"{through}conversation_id__in": mentioned}
    )


def access_conversation(user: User, conversation_id: int) -> Conversation:
    """The conversation if ``user`` may see it; otherwise NotFound, whether or not it exists."""
    conversation = (
        Conversation.objects.select_related(
            "inbox", "customer", "customer__company", "assignee", "team"
        )
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None or not can_see(user, conversation):
        raise NotFound(f"conversation {conversation_id} not found")
    return conversation


def timeline(conversation: Conversation) -> list[Message]:
    """Every message and note, oldest first, with authors and attachments loaded."""
    return list(
        # "email": the e-mail details (one-to-one), or None for other channels, in the same
        # query, so e-mail headers cost nothing per message.
        conversation.messages.select_related("author", "email")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("id")
    )


def other_conversations(
    conversation: Conversation, user: User, limit: int = 10
) -> list[Conversation]:
    """The customer's other conversations that ``user`` may see, newest first."""
    rows = _visible(user).filter(customer_id=conversation.customer_id).exclude(pk=conversation.pk)
    return list(rows.select_related("inbox").order_by("-last_activity_at")[:limit])


def customer_conversations(user: User, customer_id: int, limit: int = 50) -> list[Conversation]:
    """A customer's conversations that ``user`` may see, newest activity first (their page)."""
    rows = _visible(user).filter(customer_id=customer_id)
    return list(rows.select_related("inbox", "assignee").order_by("-last_activity_at")[:limit])


def with_filters(page: Page, **changes: object) -> ConversationFilter:
    return replace(page.filters, **changes)  # type: ignore[arg-type]


def status_counts(user: User, filters: ConversationFilter) -> dict[str, int] | None:
    """Badges for the status tabs, summed from the count table in one query.

    None when the count table cannot answer (team views, tag, priority or customer filters):
    the page then shows tabs without numbers rather than run a COUNT(*).
    """
    if filters.team_id or filters.tag or filters.priority is not None or filters.customer_id:
        return None
    rows = ConversationCount.objects.all()
    if not user.sees_all_inboxes:
        rows = rows.filter(inbox_id__in=visible_inbox_ids(user))
    if filters.view == "mine":
        rows = rows.filter(assignee_id=user.pk)
    elif filters.view == "unassigned":
        rows = rows.filter(assignee__isnull=True)
    if filters.assignee_id:
        rows = rows.filter(assignee_id=filters.assignee_id)
    if filters.inbox_id:
        rows = rows.filter(inbox_id=filters.inbox_id)
    grouped = rows.values("status").annotate(total=Sum("count"))
    totals = {row["status"]: row["total"] for row in grouped}
    return {status: int(totals.get(status) or 0) for status in Status.values}


def can_change(user: User, conversation: Conversation) -> bool:
    """Whether ``user`` may assign, reply to, or change the status of the conversation.

    Staff outside the inbox who were mentioned may read it and add notes, nothing more.
    """
    return user.sees_all_inboxes or conversation.inbox_id in visible_inbox_ids(user)


def failed_delivery(message: Message) -> Delivery | None:
    """The failed (or maybe-sent) delivery of an agent's reply: what "Retry" retries."""
    settled = [DeliveryState.FAILED, DeliveryState.UNKNOWN]
    return message.deliveries.filter(state__in=settled).order_by("-id").first()


def mentions_of(user: User, *, before: int | None = None, limit: int = 30) -> list[Mention]:
    """Notes that mention ``user``, newest first, continuing below mention id ``before``."""
    rows = Mention.objects.filter(user=user)
    if before:
        rows = rows.filter(pk__lt=before)
    rows = rows.select_related(
        "message__author", "message__conversation__customer", "message__conversation__inbox"
    )
    return list(rows.order_by("-pk")[:limit])


def assignable_agents(conversation: Conversation) -> list[User]:
    """Who the conversation can be given to: active full seats who see its inbox."""
    everywhere = Q(role__in=[Role.ADMIN, Role.SUPERVISOR])
    rows = User.objects.filter(everywhere | Q(inboxes=conversation.inbox_id), is_active=True)
    return list(rows.exclude(role=Role.LIGHT).distinct().order_by("name"))


def mentionable_staff() -> list[dict[str, str]]:
    """Every active staff member with the handle a note mentions them by (for autocomplete)."""
    rows = User.objects.filter(is_active=True).order_by("name").values_list("name", "email")
    return [{"name": name or email, "handle": email.split("@", 1)[0]} for name, email in rows]


def access_attachment(user: User, attachment_id: int) -> Attachment:
    """The attachment if ``user`` may see its conversation; otherwise NotFound."""
    attachment = Attachment.objects.select_related("message").filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound(f"attachment {attachment_id} not found")
    access_conversation(user, attachment.message.conversation_id)
    return attachment


def timeline_message(conversation: Conversation, message_id: int) -> Message:
    """One message of the conversation, loaded as the timeline shows it; else NotFound."""
    message = (
        conversation.messages.select_related("author", "email")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        raise NotFound(f"message {message_id} not found in conversation {conversation.pk}")
    return message


def last_customer_message_at(conversation: Conversation) -> datetime | None:
    """When the customer last wrote in this inbox, in any of their conversations: a
    provider's reply window (WhatsApp's 24 hours) counts from the person's last message,
    not from this conversation's (an old one may be answered inside a new one's window)."""
    found = Conversation.objects.filter(
        inbox_id=conversation.inbox_id, customer_id=conversation.customer_id
    ).aggregate(last=Max("last_customer_message_at"))["last"]
    assert found is None or isinstance(found, datetime)
    return found
