"""``rapport reindex`` rebuilds what the actions wrote; the demo is searchable at once;
rows deleted around the actions never show."""

from __future__ import annotations

import io

import pytest
from django.db import connection

from rapport.accounts.models import User
from rapport.conversations.models import Conversation
from rapport.customers.actions import create_customer
from rapport.demo.loader import load_demo
from rapport.inboxes.models import Inbox
from rapport.search import index
from rapport.search.reindex import progress_bar, rebuild
from tests.search.helpers import customers_found, found, note, receive

pytestmark = pytest.mark.django_db


def index_rows() -> list[tuple[str, int, str]]:
    with connection.cursor() as cursor:
        rows = []
        for table in (index.MESSAGES, index.CUSTOMERS):
            cursor.execute(f"SELECT rowid, body FROM {table} ORDER BY rowid")  # noqa: S608
            rows += [(table, pk, str(body)) for pk, body in cursor.fetchall()]
        return rows


def test_a_rebuild_writes_what_the_actions_wrote(admin: User, webform_inbox: Inbox):
    first = receive(webform_inbox, "Crème brûlée", subject="Dessert order", new=True)
    receive(webform_inbox, "and a second message")
    note(first, admin, "ask the kitchen")
    create_customer(actor=admin, name="Zoë", email="zoe@example.com", phone="+4915112345678")
    written = index_rows()
    out = io.StringIO()

    counted = rebuild(progress_bar(out))

    assert index_rows() == written
    assert counted == (3, 2)
    assert "messages  [" in out.getvalue()
    assert "100%  3 / 3" in out.getvalue()


def test_the_subject_finds_the_message_that_opened_the_conversation(
    admin: User, webform_inbox: Inbox
):
    receive(webform_inbox, "hello", subject="Broken espresso machine", new=True)
    receive(webform_inbox, "any news?")

    assert found(admin, "espresso") == ["hello"]


def test_a_deleted_conversation_never_shows(admin: User, webform_inbox: Inbox):
    message = receive(webform_inbox, "vanishing teacup")
    Conversation.objects.filter(pk=message.conversation_id).delete()

    assert found(admin, "teacup") == []


def test_the_demo_is_searchable_on_first_start(admin: User):
    load_demo()

    assert len(found(admin, "refund")) >= 5
    assert customers_found(admin, "example")


def test_an_index_row_left_behind_never_blocks_a_new_message(admin: User, webform_inbox: Inbox):
    # A row whose message went without it (a flushed or restored database, a cascade)
    # must not make the next message with that id fail: the new text replaces it.
    first = receive(webform_inbox, "the first question", new=True)
    index.put_message(first.pk + 1, "a stale lamp question")

    fresh = receive(webform_inbox, "a new kettle question", new=True)

    assert fresh.pk == first.pk + 1
    assert found(admin, "kettle") == ["a new kettle question"]
    assert found(admin, "lamp") == []
