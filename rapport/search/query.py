"""The search language: words, ``"exact phrases"``, ``-excluded``, and operators.

    refund "double charge" -invoice from:jane@example.com tag:billing status:open
    inbox:Support channel:email assignee:me team:Tier2 after:2026-01-01 before:2026-02-01

A word matches any word that starts with it (``refun`` finds *refund*, *refunded*); a word
that holds punctuation (``jane@example.com``, ``order-1234``) is its words in a row. A
phrase matches its words in a row exactly. ``-word`` and ``-"a phrase"`` leave out what
contains them, ``-tag:x`` what is tagged x. An unknown ``name:`` is read as plain words
(``re: invoice``). Nothing a user types is passed to a database as syntax: every part is
reduced to the words of ``terms.terms`` first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from rapport.core.errors import ValidationFailed
from rapport.search.terms import terms

MAX_QUERY = 500  # characters: longer is refused with a message, not cut silently
MAX_PARTS = 32  # words, phrases and operators together

OPERATORS = frozenset(
    {"from", "to", "tag", "status", "inbox", "channel", "assignee", "team", "after", "before"}
)
_PART = re.compile(r'(?P<minus>-)?(?:(?P<op>[A-Za-z]+):)?(?:"(?P<quoted>[^"]*)"?|(?P<bare>\S+))')


@dataclass
class Query:
    """A parsed search. ``words`` and ``phrases`` are lists of index terms."""

    text: str = ""
    words: list[list[str]] = field(default_factory=list)  # all must match; last term a prefix
    phrases: list[list[str]] = field(default_factory=list)  # all must match exactly
    excluded: list[list[str]] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)  # operator → values
    excluded_tags: list[str] = field(default_factory=list)
    after: date | None = None
    before: date | None = None

    @property
    def has_text(self) -> bool:
        return bool(self.words or self.phrases)

    @property
    def is_empty(self) -> bool:
        has_filters = self.filters or self.excluded_tags or self.after or self.before
        return not (self.has_text or self.excluded or has_filters)

    def highlighted(self) -> tuple[set[str], set[str]]:
        """(prefixes, exact words) a snippet marks."""
        prefixes = {group[-1] for group in self.words}
        exact = {t for group in self.words for t in group[:-1]}
        exact |= {t for group in self.phrases for t in group}
        return prefixes, exact


def parse(text: str) -> Query:
    """Read what was typed into a ``Query``, or raise ValidationFailed saying what is wrong."""
    if len(text) > MAX_QUERY:
        raise ValidationFailed(
            f"the search is {len(text):,} characters long; at most {MAX_QUERY} are searched"
        )
    query = Query(text=text)
    parts = list(_PART.finditer(text.replace("\x00", " ")))
    if len(parts) > MAX_PARTS:
        raise ValidationFailed(f"the search has {len(parts)} parts; at most {MAX_PARTS}")
    for part in parts:
        _read_part(query, part)
    return query


def _read_part(query: Query, part: re.Match[str]) -> None:
    minus, op, quoted, bare = part.group("minus", "op", "quoted", "bare")
    value = quoted if quoted is not None else bare
    name = (op or "").lower()
    if name in OPERATORS:
        _read_operator(query, name, value.strip(), negated=bool(minus))
        return
    if op:  # not an operator: "re:" or "http:" are text
        value = f"{op}:{value}"
    words = terms(value)
    if not words:
        return  # punctuation or emoji only: nothing the index holds
    if minus:
        query.excluded.append(words)
    elif quoted is not None and not op:
        query.phrases.append(words)
    else:
        query.words.append(words)


def _read_operator(query: Query, name: str, value: str, *, negated: bool) -> None:
    if not value:
        raise ValidationFailed(f"{name}: needs a value, as in {name}:{_EXAMPLES[name]}")
    if negated and name != "tag":
        raise ValidationFailed(f"-{name}: is not supported; only -tag: leaves out matches")
    if name in {"after", "before"}:
        setattr(query, name, _date(name, value))
    elif negated:
        query.excluded_tags.append(value.lower())
    else:
        query.filters.setdefault(name, []).append(value)


def _date(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{name}: takes a date as YYYY-MM-DD, not {value[:40]!r}") from None


_EXAMPLES = {
    "from": "jane@example.com",
    "to": "jane@example.com",
    "tag": "billing",
    "status": "open",
    "inbox": "Support",
    "channel": "email",
    "assignee": "me",
    "team": "Billing",
    "after": "2026-01-31",
    "before": "2026-01-31",
}


def with_filters(query: Query, **values: str | None) -> Query:
    """Add filters given apart from the text (the API's parameters, the page's menus), read
    exactly as the same operators typed into the search."""
    for name, value in values.items():
        if value is not None and value != "":
            _read_operator(query, name, str(value).strip(), negated=False)
    return query
