"""Any string typed into search gives results or a clear message (ValidationFailed),
never a database error or a crash — on SQLite, whose FTS5 syntax is the easier to break.

The strings mix arbitrary text with the pieces both databases' query languages are made
of (quotes, stars, NEAR, column filters, ``:*``, ``<->``, ``!``), emoji and NUL bytes.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.accounts.models import User
from rapport.core.errors import ValidationFailed
from rapport.inboxes.models import Inbox
from rapport.search.query import parse
from rapport.search.selectors import search_customers, search_messages
from tests.api.conftest import Api
from tests.search.helpers import receive

pytestmark = pytest.mark.django_db

SYNTAX = [
    '"',
    "'",
    "*",
    "^",
    "(",
    ")",
    "NEAR",
    "NOT",
    "AND",
    "OR",
    "body:",
    "{body}",
    ":*",
    "<->",
    "!",
    "&",
    "|",
    "-",
    "+",
    "\\",
    "\x00",
    "😀",
    "👩‍👩‍👧",
    "é",
    "ß",
    "from:",
    "tag:",
    "after:",
    "before:2026-13-45",
    "status:",
    "inbox:1",
    "assignee:me",
    " ",
    "\n",
    "\t",
    "\u202e",
    "\ufeff",
]
QUERIES = st.lists(st.one_of(st.sampled_from(SYNTAX), st.text(max_size=12)), max_size=12).map(
    "".join
) | st.text(max_size=600)


@pytest.fixture
def world(admin: User, agent: User, webform_inbox: Inbox) -> None:
    receive(webform_inbox, 'Quotes " and stars * and NEAR(x y) and 😀 émoji')
    receive(webform_inbox, "an ordinary message", email="b@example.com")


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=QUERIES)
def test_any_string_gives_results_or_a_clear_message(
    world: None, admin: User, agent: User, text: str
) -> None:
    messages = []
    for user in (admin, agent):
        for sort in ("newest", "best"):
            messages.append(_answer(_search_messages, user, text, sort=sort))
        messages.append(_answer(search_customers, user, text))
    assert all(messages)  # each a result or a refusal that says what is wrong


def _search_messages(user: User, text: str, sort: str) -> None:
    search_messages(user, parse(text), sort=sort)


def _answer(search: Any, *args: Any, **options: Any) -> str:
    try:
        search(*args, **options)
    except ValidationFailed as refused:
        return refused.message
    return "results"


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=QUERIES)
def test_the_api_answers_200_or_400(world: None, admin: User, text: str) -> None:
    # The test client cannot put NUL or lone surrogates in a URL; the server never sees them.
    text = "".join(c for c in text if c != "\x00" and not 0xD800 <= ord(c) <= 0xDFFF)
    response = Api(admin).get("/search", q=text)

    assert response.status_code in {200, 400}, response.content
    body: Any = response.json()
    assert "messages" in body or body["error"]["message"]


def test_ten_thousand_characters_is_a_message_not_a_crash(world: None, admin: User) -> None:
    response = Api(admin).get("/search", q="a" * 10_000)

    assert response.status_code == 400
    assert "at most 500" in response.json()["error"]["message"]
