"""Property: two different mails are two messages; one mail delivered again and again —
in any order, also from parallel threads — is one. And the raw Message-ID reader returns
the id as written, whatever policy.default would make of it."""

from __future__ import annotations

import random
import threading

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.conversations.models import Message
from rapport.inboxes.adapters.email.headers import raw_message_id
from rapport.inboxes.adapters.email.ingest import ingest
from rapport.inboxes.models import InboxKind
from tests.email.conftest import mail
from tests.factories import InboxFactory

# Printable text with the spaces, dots, colons and quotes that broke the header parser.
ID_TEXT = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=0x17F, exclude_characters="<>"),
    min_size=0,
    max_size=40,
)
# None: no Message-ID header at all; "": the empty <>.
IDS = st.lists(
    st.none() | ID_TEXT,
    min_size=1,
    max_size=8,
    unique_by=lambda i: " ".join((i or "").split()) or None,
)


def mails_for(ids: list[str | None]) -> list[bytes]:
    found = []
    for number, mid in enumerate(ids):
        data = mail(
            message_id=f"<{mid}>" if mid is not None else "<placeholder>", body=f"n{number}"
        )
        if mid is None:
            data = data.replace(b"Message-ID: <placeholder>\r\n", b"")
        found.append(data)
    return found


@given(mid=ID_TEXT)
def test_the_raw_reader_returns_the_id_as_written(mid):
    assert raw_message_id(mail(message_id=f"<{mid}>")) == " ".join(mid.split())
    folded = mail(message_id=f"\r\n <{mid}>")
    assert raw_message_id(folded) == " ".join(mid.split())
    lower = mail(message_id=f"<{mid}>").replace(b"Message-ID", b"message-id")
    assert raw_message_id(lower) == " ".join(mid.split())


@pytest.mark.django_db
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ids=IDS, seed=st.integers(0, 1000))
def test_different_mails_are_different_messages_repeats_are_one(ids, seed):
    inbox = InboxFactory(kind=InboxKind.EMAIL, config={"addresses": ["support@shop.example"]})
    mails = mails_for(ids)
    repeated = mails * 3
    random.Random(seed).shuffle(repeated)
    for data in repeated:
        ingest(inbox, data, source="imap")
    assert Message.objects.filter(inbox=inbox).count() == len(mails)


@pytest.mark.django_db(transaction=True)
@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ids=IDS)
def test_parallel_repeats_are_one_message(ids):
    inbox = InboxFactory(kind=InboxKind.EMAIL, config={"addresses": ["support@shop.example"]})
    mails = mails_for(ids)
    errors: list[BaseException] = []

    def deliver(order: int) -> None:
        try:
            for data in random.Random(order).sample(mails, len(mails)):
                ingest(inbox, data, source="smtp")
        except BaseException as error:  # shown by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Message.objects.filter(inbox=inbox).count() == len(mails)
