"""Searching: messages (each in its conversation, with a snippet) and customers.

Every search starts from what the user may see — ``conversations.selectors.seen_by`` for
messages, ``customers.selectors.visible_customers`` for customers, the same rules as the
rest of the app — so results, snippets and whether there is a next page only ever come
from conversations the user could open.

A conversation is one result, shown by its newest (or best-matching) matching message.
Newest first walks the index by message id downwards and stops after one page, so a word
in a million messages costs what a rare one does; pages continue below the last id seen
(keyset). Best match orders by each database's relevance (bm25 / ts_rank) and pages by
position, within the conversations of the first ``MAX_RANKED`` hits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Exists, Max, OuterRef, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.safestring import SafeString

from rapport.accounts.models import User
from rapport.conversations.models import Direction, Message
from rapport.conversations.selectors import seen_by
from rapport.core.errors import ValidationFailed
from rapport.customers.identities import normalize_phone
from rapport.customers.models import Customer
from rapport.customers.selectors import visible_customers, with_profile
from rapport.search import index
from rapport.search.filters import apply_filters
from rapport.search.models import CustomerDoc, MessageDoc
from rapport.search.query import Query, parse
from rapport.search.snippets import snippet
from rapport.search.syntax import all_prefixes, any_of, full_text
from rapport.search.terms import terms

SORTS = ("newest", "best")
MAX_PAGE_SIZE = 50
MAX_RANKED = 1000
CANDIDATES = 2000  # newest messages with the words looked at before the filters lead
WALK_BATCH = 200  # matches read at a time (a page of conversations rarely needs more)
MAX_ID = 2**63 - 1
FIRST_WINDOW_PART = 64  # PostgreSQL: the newest 1/64 of the ids is searched first
_PHONE_CHARACTERS = set("0123456789+-(). /")


@dataclass
class Hit:
    """One matching message, with its conversation and the marked part of its text."""

    message: Message
    snippet: SafeString


@dataclass
class MessagePage:
    hits: list[Hit]
    next_cursor: str | None


def search_messages(
    user: User,
    query: Query,
    *,
    sort: str = "newest",
    cursor: str | None = None,
    limit: int = 20,
    include_notes: bool = True,
) -> MessagePage:
    """One page of the conversations ``user`` may see that have a message matching
    ``query``: each conversation once, with its newest (or best-matching) such message.

    ``include_notes`` False leaves internal notes out (anything a customer could read).
    """
    if sort not in SORTS:
        raise ValidationFailed(f"sort is one of {', '.join(SORTS)}, not {sort[:20]!r}")
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    if sort == "best" and query.has_text:
        offset = _decode(cursor, "r") or 0
        ranked = _one_per_conversation(_ranked(_matching(user, query, include_notes), query))
        ids = ranked[offset : offset + limit + 1]
        following = (
            f"r{offset + limit}" if len(ids) > limit and offset + limit < MAX_RANKED else None
        )
    else:
        ids = _newest(user, query, include_notes, _decode(cursor, "m"), limit + 1)
        following = f"m{ids[limit - 1]}" if len(ids) > limit else None
    return MessagePage(hits=_hits(ids[:limit], query), next_cursor=following)


def _matching(user: User, query: Query, include_notes: bool) -> QuerySet[MessageDoc]:
    return _filtered(user, query, include_notes).filter(body__matches=_full_text(query))


def _full_text(query: Query) -> str:
    return full_text(query, connection.vendor, index.words_starting)


def _filtered(user: User, query: Query, include_notes: bool) -> QuerySet[MessageDoc]:
    """Index rows the user may see that pass the query's filters (words not yet applied)."""
    if query.is_empty:
        raise ValidationFailed("nothing to search for: type a word, a phrase or a filter")
    rows = MessageDoc.objects.filter(seen_by(user, through="message__"))
    if not query.has_text and query.excluded:
        left_out = MessageDoc.objects.filter(
            body__matches=any_of(query.excluded, connection.vendor, prefix=False)
        )
        rows = rows.exclude(message_id__in=left_out.values("message_id"))
    if not include_notes:
        rows = rows.exclude(message__direction=Direction.NOTE)
    return apply_filters(rows, user, query, "message__")


def _one_per_conversation(pairs: Iterable[tuple[int, int]]) -> list[int]:
    """The first message id of each conversation in ``(message id, conversation id)``."""
    seen: dict[int, int] = {}
    for message_id, conversation_id in pairs:
        seen.setdefault(conversation_id, message_id)
    return list(seen.values())


def _newest(
    user: User, query: Query, include_notes: bool, before: int | None, count: int
) -> list[int]:
    """The newest matching message of each of the ``count`` conversations whose newest
    match is below ``before`` (the cursor: the last page's last message), newest first.

    Matches are read newest first in batches, and each conversation is taken at its first
    (newest) one. After the first page, a conversation that also matches at or above the
    cursor was on an earlier page and is left out.
    """
    picked: dict[int, int] = {}  # conversation → its newest match below the cursor
    earlier: set[int] = set()  # conversations already shown on an earlier page
    for batch in _matches_below(user, query, include_notes, before):
        fresh = {c: m for m, c in reversed(batch) if c not in picked and c not in earlier}
        if before and fresh:
            earlier |= _matching_from(user, query, include_notes, set(fresh), before)
        for message_id, conversation_id in batch:
            if conversation_id in fresh and conversation_id not in earlier:
                picked.setdefault(conversation_id, message_id)
        if len(picked) >= count:
            break
    return sorted(picked.values(), reverse=True)[:count]


def _matching_from(
    user: User, query: Query, include_notes: bool, conversations: set[int], since: int
) -> set[int]:
    """Which of ``conversations`` have a match at or above message ``since``."""
    rows = _filtered(user, query, include_notes).filter(
        message__conversation_id__in=conversations, message_id__gte=since
    )
    if query.has_text:
        rows = rows.filter(body__matches=_full_text(query))
    return set(rows.values_list("message__conversation_id", flat=True))


Batch = list[tuple[int, int]]  # (message id, conversation id), newest first


def _matches_below(
    user: User, query: Query, include_notes: bool, before: int | None
) -> Iterator[Batch]:
    """Every match below ``before``, newest first, in batches.

    Two ways to one answer: when the words are the narrower part, the newest
    ``CANDIDATES`` messages with the words are read from the index and then filtered (a
    common word with the user's inboxes); when that leaves too few, the filters are the
    narrower part (``from:`` one customer, ``assignee:`` one agent), and the messages that
    pass them are walked newest first, each looked up in the index by id. Walking the
    index alone made ``order from:jane`` read every message with *order*.
    """
    rows = _filtered(user, query, include_notes).order_by("-message_id")
    pairs = rows.values_list("message_id", "message__conversation_id")
    if not query.has_text:
        yield from _walk(lambda below: pairs.filter(message_id__lt=below), before)
        return
    words = MessageDoc.objects.filter(body__matches=_full_text(query))
    read, last = 0, 0
    for chunk in _with_words(words, before):
        read, last = read + len(chunk), chunk[-1]
        # Messages, not index rows: the chunk's ids are known to match, and joining
        # FTS5 back by 2,000 rowids was most of a search's time on SQLite.
        in_chunk = _passing_filters(user, query, include_notes).filter(pk__in=chunk)
        yield from _walk(_below_in(in_chunk), None)
    if read == CANDIDATES:  # more below the candidates: the filters lead from there
        by_filters = _by_filters(user, query, include_notes)
        yield from _walk(lambda below: by_filters.filter(pk__lt=below), last)


def _below_in(rows: QuerySet[Message, tuple[int, int]]) -> Callable[[int], QuerySet[Any, Any]]:
    return lambda below: rows.filter(pk__lt=below)


def _with_words(words: QuerySet[MessageDoc], before: int | None) -> Iterator[list[int]]:
    """The ids of ``words``' messages below ``before``, newest first, in chunks: the
    newest ``CANDIDATES`` of them at most."""
    if connection.vendor == "postgresql":
        yield from _in_widening_windows(words, before)
        return
    if before:
        words = words.filter(message_id__lt=before)
    # Read first, as ids, on both databases (not a subquery of the filters: PostgreSQL
    # then may walk every row the filters pass and test each; a word in no message took
    # seconds).
    ids = list(words.order_by("-message_id").values_list("message_id", flat=True)[:CANDIDATES])
    if ids:
        yield ids


def _in_widening_windows(words: QuerySet[MessageDoc], before: int | None) -> Iterator[list[int]]:
    """PostgreSQL: ``_with_words`` read window by window of ids, newest first.

    A GIN index gives its matches in no order, so ``ORDER BY rowid DESC LIMIT 2000`` on
    a rarer word read every match's row (6,937 rows for one number in 5M messages) to
    keep the newest. Bounded to a window of ids, PostgreSQL ANDs the GIN bitmap with the
    primary key's range and reads only the window's rows; a common word or a phrase walks
    the primary key downwards and stops at the limit. The first window is the newest
    1/64 of the ids, each next one 4 times as wide (a word in no message costs 4 reads),
    and the first read is ``WALK_BATCH`` rows, doubling: a page seldom needs more than
    the first read.
    """
    high = before or (MessageDoc.objects.aggregate(top=Max("message_id"))["top"] or 0) + 1
    span, limit, read = max(high // FIRST_WINDOW_PART, 1), WALK_BATCH, 0
    while high > 0 and read < CANDIDATES:
        low = max(high - span, 0)
        in_window = words.filter(message_id__gte=low, message_id__lt=high)
        wanted = min(limit, CANDIDATES - read)
        ids = list(in_window.order_by("-message_id").values_list("message_id", flat=True)[:wanted])
        if ids:
            yield ids
        read += len(ids)
        high = ids[-1] if len(ids) == wanted else low  # the window's rest, or below it
        span, limit = span * 4, limit * 2


def _passing_filters(
    user: User, query: Query, include_notes: bool
) -> QuerySet[Message, tuple[int, int]]:
    """(id, conversation id) of the messages the user may see that pass the operators,
    newest first (the words not applied)."""
    rows = Message.objects.filter(seen_by(user))
    if not include_notes:
        rows = rows.exclude(direction=Direction.NOTE)
    rows = apply_filters(rows, user, query, "")
    return rows.order_by("-pk").values_list("pk", "conversation_id")


def _by_filters(
    user: User, query: Query, include_notes: bool
) -> QuerySet[Message, tuple[int, int]]:
    has_words = MessageDoc.objects.filter(
        message_id=OuterRef("pk"), body__matches=_full_text(query)
    )
    return _passing_filters(user, query, include_notes).filter(Exists(has_words))


def _walk(below: Callable[[int], QuerySet[Any, Any]], start: int | None) -> Iterator[Batch]:
    """``below(id)``'s rows (newest first) in batches of ``WALK_BATCH``, down to the end."""
    position = start if start else MAX_ID
    while batch := list(below(position)[:WALK_BATCH]):
        yield batch
        if len(batch) < WALK_BATCH:
            return
        position = batch[-1][0]


def _ranked(rows: QuerySet[MessageDoc], query: Query) -> QuerySet[MessageDoc, tuple[int, int]]:
    """Best match first (FTS5's bm25 ``rank``: lower is better; PostgreSQL's ts_rank:
    higher is better), newest first among equals: the first ``MAX_RANKED`` matches."""
    if connection.vendor == "postgresql":
        words = full_text(query, "postgresql")
        score = RawSQL("-ts_rank(search_message.body, to_tsquery('simple', %s))", [words])
    else:
        score = RawSQL("search_message.rank", [])
    ordered = rows.annotate(score=score).order_by("score", "-message_id")
    return ordered.values_list("message_id", "message__conversation_id")[:MAX_RANKED]


def _decode(cursor: str | None, kind: str) -> int | None:
    if not cursor:
        return None
    number = cursor[1:]
    if cursor[:1] != kind or not (number.isascii() and number.isdigit()) or len(number) > 18:
        raise ValidationFailed("the page cursor is not valid; start from the first page")
    return int(number)


def _hits(ids: list[int], query: Query) -> list[Hit]:
    messages = Message.objects.select_related(
        "conversation__customer", "conversation__inbox", "conversation__assignee", "author"
    ).in_bulk(ids)
    prefixes, exact = query.highlighted()
    return [
        Hit(message=messages[pk], snippet=snippet(messages[pk].text, prefixes, exact))
        for pk in ids
        if pk in messages
    ]


def search_customers(user: User, text: str, *, limit: int = 5) -> list[Customer]:
    """Customers ``user`` may see whose name or any address matches ``text``, newest first.

    A phone number in any format is matched in E.164 (``0151 1234 5678``, ``+49 151…``).
    """
    words = _phone_words(text) or [t for part in parse(text).words for t in part]
    if not words:
        return []
    rows = CustomerDoc.objects.filter(body__matches=all_prefixes(words, connection.vendor))
    if not user.sees_all_inboxes:
        rows = rows.filter(Exists(visible_customers(user).filter(pk=OuterRef("customer_id"))))
    ids = list(rows.order_by("-customer_id").values_list("customer_id", flat=True)[:limit])
    found = with_profile(Customer.objects.filter(pk__in=ids)).in_bulk()
    return [found[pk] for pk in ids if pk in found]


def _phone_words(text: str) -> list[str]:
    """A phone number typed any way, as the index holds it (E.164 digits, or the digits
    typed as one prefix when it is not a whole number yet)."""
    text = text.strip()
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) < 4 or not set(text) <= _PHONE_CHARACTERS:
        return []
    if text.startswith("00"):  # the international call prefix most of the world dials
        text = "+" + text[2:]
    try:
        return terms(normalize_phone(text))
    except ValidationFailed:  # not whole, or national: its digits without the trunk 0
        return [digits.lstrip("0") or digits]
