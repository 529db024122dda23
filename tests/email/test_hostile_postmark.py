"""Hostile input on the Postmark inbound webhook: what is stored, what Postmark gets back,
how long it took. Postmark retries every 5xx, so a bad post must answer 4xx — and be kept."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from rapport.conversations.models import Conversation, Message
from rapport.inboxes.adapters.email.models import RawEmail, RawFormat, RawState
from tests.conftest import logged_in
from tests.email.conftest import SUPPORT, mail
from tests.email.hostile import (
    BASIC,
    EIGHT_BIT_INNER,
    basic_auth,
    configure,
    fixture,
    inbound_url,
    nested,
    odd_id_mails,
    own_mails,
    post,
    stored,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.email.urls")]
JSON = "application/json"


@pytest.fixture
def url(email_inbox):
    configure(email_inbox, webhook_basic_auth=BASIC)
    return inbound_url(email_inbox, "postmark")


def send(url: str, payload: object | bytes, **headers: str):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return post(Client(), url, body, JSON, **(headers or basic_auth()))


def test_postmarks_real_inbound_body_becomes_a_message(url):
    body = (json.dumps(fixture("postmark_inbound.json"))).encode()
    answer = send(url, body)
    assert (answer.status, answer.seconds < 5) == (200, True), answer.text
    raw = stored(body)  # the post itself, byte for byte, before anything read it
    assert (raw.format, raw.state) == (RawFormat.POSTMARK, RawState.PROCESSED)
    message = Message.objects.get()
    assert message.text == "The lamp arrived broken."
    assert message.conversation.customer.email == "carol@mail.example"
    assert [a.filename for a in message.attachments.all()] == ["receipt.txt"]


def test_the_original_of_a_posted_mail_is_the_mail_in_the_post(url, email_agent):
    payload = {**fixture("postmark_inbound.json"), "RawEmail": mail().decode()}
    assert send(url, payload).status == 200
    message = Message.objects.get()
    original = logged_in(email_agent).get(f"/email/messages/{message.pk}/original")
    assert original.content == mail()


@pytest.mark.parametrize(
    ("secrets", "headers", "status"),
    [
        ({"webhook_basic_auth": BASIC}, {}, 401),
        ({"webhook_basic_auth": BASIC}, basic_auth("hook:wrong"), 403),
        ({"webhook_basic_auth": BASIC}, {"HTTP_AUTHORIZATION": "Basic ###"}, 401),
        # Issue 21 hole 1: only Mailgun's key set, the Postmark URL let anyone in.
        ({"webhook_basic_auth": "", "webhook_signing_key": "mg"}, {}, 403),
        ({"webhook_basic_auth": "", "webhook_signing_key": "mg"}, basic_auth(":"), 403),
    ],
)
def test_missing_or_wrong_credentials_are_refused(email_inbox, secrets, headers, status):
    configure(email_inbox, **secrets)
    forged = {**fixture("postmark_inbound.json"), "From": "ceo@bank.example"}
    answer = post(
        Client(), inbound_url(email_inbox, "postmark"), json.dumps(forged).encode(), JSON, **headers
    )
    assert answer.status == status, answer.text
    assert not RawEmail.objects.exists()
    assert not Conversation.objects.exists()


MALFORMED = [
    (b"", "empty"),
    (b"this is not json", "not JSON"),
    (b"[]", "expected a JSON object"),
    (b'"x"', "expected a JSON object"),
    (b"null", "expected a JSON object"),
    (b"42", "expected a JSON object"),
    (b"[" * 5000 + b"]" * 5000, "nested more than"),
    (b'{"a":' * 5000 + b"1" + b"}" * 5000, "nested more than"),
    (b'{"From": "\xff\xfe carol"}', "not valid UTF-8"),
    (json.dumps({"FromFull": 5, "TextBody": "x"}).encode(), "no sender"),
    (json.dumps({"FromFull": {"Email": "a@b.example"}, "Headers": "x"}).encode(), "do not make"),
    (
        json.dumps({"FromFull": {"Email": "a@b.example"}, "Attachments": [{"Name": 5}]}).encode(),
        "do not make a mail",
    ),
    (json.dumps({"MessageID": 5, "RawEmail": "x"}).encode(), "MessageID must be a string"),
    (json.dumps({"Subject": "no sender at all"}).encode(), "no sender"),
    (json.dumps(fixture("postmark_bounce.json")).encode(), "'Bounce' record"),
]


@pytest.mark.parametrize(("body", "reason"), MALFORMED)
def test_malformed_posts_answer_400_with_the_reason_and_are_kept(url, body, reason):
    answer = send(url, body)
    assert answer.status == 400, answer.text
    assert reason in answer.text
    assert answer.seconds < 2
    raw = stored(body)
    assert raw.state == RawState.UNPROCESSABLE
    assert reason in raw.error
    assert bytes(raw.data) == body
    assert not Message.objects.exists()


@pytest.mark.parametrize("mime", [nested(300), EIGHT_BIT_INNER], ids=["300-deep", "8-bit-inner"])
def test_mail_the_parser_chokes_on_is_stored_and_answered_200(url, mime):
    payload = {**fixture("postmark_inbound.json"), "RawEmail": mime.decode("latin-1")}
    answer = send(url, payload)
    assert (answer.status, answer.seconds < 5) == (200, True), answer.text
    raw = RawEmail.objects.get()
    assert raw.state == RawState.PROCESSED, raw.error  # the limits degrade, never lose
    assert raw.message.conversation.customer.email == "carol@mail.example"


def parallel(url: str, body: bytes, times: int = 5) -> list[int]:
    statuses: list[int] = []

    def deliver() -> None:
        try:
            statuses.append(send(url, body).status)
        finally:
            connection.close()  # each thread has its own database connection

    threads = [threading.Thread(target=deliver) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.mark.parametrize("with_ids", [True, False], ids=["MessageID", "no-ids"])
def test_the_same_post_five_times_in_parallel_is_one_message(url, with_ids):
    payload = fixture("postmark_inbound.json")
    if not with_ids:
        del payload["MessageID"]
        payload["Headers"] = [h for h in payload["Headers"] if h["Name"] != "Message-ID"]
    body = json.dumps(payload).encode()
    assert parallel(url, body) == [200] * 5
    assert Message.objects.count() == 1
    assert RawEmail.objects.get().message_id == Message.objects.get().pk


def test_the_same_mail_retried_with_another_message_id_field_is_one_message(url):
    """Postmark's MessageID comes first: a retry of one delivery is one message."""
    payload = fixture("postmark_inbound.json")
    first = send(url, payload)
    again = send(url, {**payload, "Tag": "retried"})  # another body, the same delivery
    assert (first.status, again.status) == (200, 200)
    assert Message.objects.count() == 1


def test_different_mails_with_odd_message_ids_stay_different(url):
    for number, mime in enumerate(odd_id_mails()):
        payload = {**fixture("postmark_inbound.json"), "MessageID": f"pm-{number}"}
        payload["RawEmail"] = mime.decode()
        assert send(url, payload).status == 200
    assert Message.objects.count() == len(odd_id_mails())


def test_our_own_mail_is_never_a_conversation(url, email_inbox, webform_inbox):
    configure(webform_inbox, from_email="form@shop.example")
    for number, mime in enumerate(own_mails("Form <form@shop.example>").values()):
        payload = {**fixture("postmark_inbound.json"), "MessageID": f"own-{number}"}
        payload["RawEmail"] = mime.decode()
        assert send(url, payload).status == 200
    assert not Conversation.objects.exists()
    errors = sorted(RawEmail.objects.values_list("error", flat=True))
    assert all(error.startswith("our own") for error in errors), errors
    assert any(SUPPORT in error for error in errors)


def test_with_the_job_queue_away_the_stored_mail_is_processed_in_the_request(url, monkeypatch):
    """Redis down takes the worker (and its sweep) with it: the mail must not wait."""
    from rapport.inboxes.adapters.email import tasks

    real = tasks.process_raw_task

    class QueueAway:
        def __call__(self, raw_id):
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379")

        def call_local(self, raw_id):
            return real.call_local(raw_id)

    monkeypatch.setattr(tasks, "process_raw_task", QueueAway())
    answer = send(url, fixture("postmark_inbound.json"))
    assert answer.status == 200, answer.text
    assert Message.objects.get().text == "The lamp arrived broken."
