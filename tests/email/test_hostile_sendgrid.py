"""Hostile input on the SendGrid Inbound Parse webhook: what is stored, what SendGrid gets
back, how long it took. SendGrid has no signature for inbound: basic auth in the URL."""

from __future__ import annotations

import pytest
from django.test import Client

from rapport.conversations.models import Conversation, Message
from rapport.inboxes.adapters.email.models import RawEmail, RawFormat, RawState
from tests.email.conftest import mail
from tests.email.hostile import (
    BASIC,
    EIGHT_BIT_INNER,
    basic_auth,
    configure,
    fixture,
    inbound_url,
    multipart,
    nested,
    odd_id_mails,
    own_mails,
    post,
    stored,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.email.urls")]


@pytest.fixture
def url(email_inbox):
    configure(email_inbox, webhook_basic_auth=BASIC)
    return inbound_url(email_inbox, "sendgrid")


def raw_fields(mime: bytes) -> dict[str, bytes | str]:
    """What "POST the raw, full MIME message" sends."""
    return {
        "email": mime,
        "to": "support@shop.example",
        "from": "Carol Customer <carol@mail.example>",
        "subject": "Broken lamp",
        "envelope": '{"to":["support@shop.example"],"from":"carol@mail.example"}',
        "charsets": '{"to":"UTF-8","subject":"UTF-8","from":"UTF-8"}',
        "SPF": "pass",
        "spam_score": "0.011",
    }


def send(url: str, fields: dict[str, bytes | str], **headers: str):
    body, content_type = multipart(fields)
    return post(Client(), url, body, content_type, **(headers or basic_auth())), body


def test_sendgrids_parsed_fields_become_a_message(url):
    answer, body = send(url, fixture("sendgrid_inbound_fields.json"))
    assert (answer.status, answer.seconds < 5) == (200, True), answer.text
    raw = stored(body)
    assert (raw.format, raw.state) == (RawFormat.SENDGRID, RawState.PROCESSED), raw.error
    assert "The lamp arrived broken." in Message.objects.get().text


@pytest.mark.parametrize(
    ("mime", "name"), [(nested(300), "300-deep"), (EIGHT_BIT_INNER, "8-bit inner header")]
)
def test_mail_that_made_the_webhook_answer_500_is_stored_and_shown(url, mime, name):
    answer, body = send(url, raw_fields(mime))
    assert (answer.status, answer.seconds < 5) == (200, True), answer.text
    raw = stored(body)
    assert mime in bytes(raw.data)
    assert raw.state == RawState.PROCESSED, raw.error
    assert raw.message.conversation.customer.email == "carol@mail.example"


@pytest.mark.parametrize(
    ("secrets", "headers", "status"),
    [
        ({}, {"HTTP_X_NOTHING": "1"}, 401),
        ({}, basic_auth("hook:guess"), 403),
        # Issue 21 hole 1: only Mailgun's key set, the SendGrid URL let anyone in.
        ({"webhook_basic_auth": "", "webhook_signing_key": "mg"}, {"HTTP_X_NOTHING": "1"}, 403),
    ],
)
def test_missing_or_wrong_credentials_are_refused(url, email_inbox, secrets, headers, status):
    configure(email_inbox, **secrets)
    answer, _ = send(url, raw_fields(mail(sender="ceo@bank.example")), **headers)
    assert answer.status == status, answer.text
    assert not RawEmail.objects.exists()
    assert not Conversation.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"", "multipart/form-data; boundary=x", "form post"),
        (b'{"email": "x"}', "application/json", "expected a form post"),
        (b"to=%ff%fe&x=1", "application/x-www-form-urlencoded", "no mail in the post"),
        (b"\xff\xfe\x00garbage", "multipart/form-data; boundary=zz", "no fields"),
        (multipart({"to": "support@shop.example"})[0], "multipart/form-data; boundary=q", "no"),
    ],
)
def test_malformed_posts_answer_400_with_the_reason_and_are_kept(url, body, content_type, reason):
    answer = post(Client(), url, body, content_type, **basic_auth())
    assert (answer.status, reason in answer.text, answer.seconds < 2) == (400, True, True), (
        answer.text
    )
    raw = stored(body)
    assert (raw.state, bytes(raw.data)) == (RawState.UNPROCESSABLE, body)


def test_a_repeated_post_is_one_message_different_mails_stay_apart(url):
    for mime in odd_id_mails():
        for _ in range(2):
            assert send(url, raw_fields(mime))[0].status == 200
    assert Message.objects.count() == len(odd_id_mails())


def test_our_own_mail_is_never_a_conversation(url, webform_inbox):
    configure(webform_inbox, from_email="form@shop.example")
    for mime in own_mails("form@shop.example").values():
        assert send(url, raw_fields(mime))[0].status == 200
    assert not Conversation.objects.exists()
    assert set(RawEmail.objects.values_list("state", flat=True)) == {RawState.IGNORED}


def test_a_post_over_the_inboxs_size_cap_is_413_before_it_is_read(url, email_inbox):
    configure(email_inbox, max_message_bytes=1024)  # plus 1 MB for the form around it
    answer, _ = send(url, raw_fields(mail(body="x" * (1024 * 1024 + 4096))))
    assert (answer.status, "over this inbox's limit" in answer.text) == (413, True), answer.text
    assert not RawEmail.objects.exists()


@pytest.mark.urls("rapport.config.urls")  # the project's 500 handler
def test_database_away_answers_503_with_retry_after(url):
    """Nothing stored, so the provider must keep the mail (the 500 handler's answer)."""
    from unittest import mock

    from django.db import OperationalError

    from rapport.inboxes.adapters.email import webhooks

    down = OperationalError("could not connect to server")
    client = Client(raise_request_exception=False)
    with mock.patch.object(webhooks, "store_raw", side_effect=down):
        body, content_type = multipart(raw_fields(mail()))
        response = client.generic("POST", url, body, content_type=content_type, **basic_auth())
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert not RawEmail.objects.exists()
