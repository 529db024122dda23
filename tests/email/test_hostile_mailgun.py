"""Hostile input on the Mailgun inbound webhook (a route's forward() to our URL): what is
stored, what Mailgun gets back, how long it took. Signatures must be fresh and unused."""

from __future__ import annotations

import pytest
from django.test import Client

from rapport.conversations.models import Conversation, Message
from rapport.inboxes.adapters.email.models import RawEmail, RawFormat, RawState
from tests.email.conftest import mail
from tests.email.hostile import (
    EIGHT_BIT_INNER,
    MAILGUN_KEY,
    configure,
    fixture,
    inbound_url,
    mailgun_signed,
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
    configure(email_inbox, webhook_signing_key=MAILGUN_KEY)
    return inbound_url(email_inbox, "mailgun")


def raw_fields(mime: bytes) -> dict[str, bytes | str]:
    """The fields of a route forwarding to a URL ending in "mime": the mail as it came."""
    return {
        "recipient": "support@shop.example",
        "sender": "carol@mail.example",
        "from": "Carol Customer <carol@mail.example>",
        "subject": "Broken lamp",
        "body-mime": mime,
    }


def send(url: str, fields: dict[str, bytes | str], **signing):
    body, content_type = multipart(mailgun_signed(fields, **signing))
    return post(Client(), url, body, content_type), body


def test_mailguns_parsed_fields_become_a_message(url):
    answer, body = send(url, fixture("mailgun_inbound_fields.json"))
    assert (answer.status, answer.seconds < 5) == (200, True), answer.text
    raw = stored(body)
    assert (raw.format, raw.state) == (RawFormat.MAILGUN, RawState.PROCESSED)
    assert "The lamp arrived broken." in Message.objects.get().text


def test_raw_mime_is_kept_byte_for_byte(url):
    answer, body = send(url, raw_fields(EIGHT_BIT_INNER))
    assert answer.status == 200, answer.text
    assert EIGHT_BIT_INNER in bytes(stored(body).data)
    assert stored(body).state == RawState.PROCESSED


@pytest.mark.parametrize(
    ("secrets", "signing", "status", "reason"),
    [
        ({"webhook_signing_key": ""}, {}, 403, "no Mailgun signing key"),
        ({}, {"key": "another-key"}, 403, "wrong Mailgun signature"),
        # Issue 21 hole 6: a signature three days old was accepted.
        ({}, {"age": 3 * 24 * 3600}, 403, "too old"),
        ({}, {"age": -3600}, 403, "from the future"),
    ],
)
def test_bad_signatures_are_refused(url, email_inbox, secrets, signing, status, reason):
    configure(email_inbox, **secrets)
    answer, _ = send(url, raw_fields(mail(sender="ceo@bank.example")), **signing)
    assert (answer.status, reason in answer.text) == (status, True), answer.text
    assert not RawEmail.objects.exists()


def test_a_post_without_a_signature_is_401(url):
    body, content_type = multipart(raw_fields(mail()))
    assert post(Client(), url, body, content_type).status == 401
    assert post(Client(), url, b"{}", "application/json").status == 401
    assert not RawEmail.objects.exists()


def test_a_replayed_token_is_refused_even_with_another_body(url):
    """Issue 21 hole 6: the same timestamp/token/signature with a different body was stored."""
    signed = mailgun_signed(raw_fields(mail()))
    first = post(Client(), url, *multipart(signed))
    forged = {**signed, "body-mime": mail(body="Send the refund to my new account.")}
    again = post(Client(), url, *multipart(forged))
    assert (first.status, again.status) == (200, 403)
    assert "used before" in again.text
    assert RawEmail.objects.count() == Message.objects.count() == 1


def test_a_non_ascii_token_is_checked_not_crashed(url):
    answer, _ = send(url, raw_fields(mail()), token="tökén-ünïcode")
    assert answer.status == 200, answer.text
    body, content_type = multipart(
        {**raw_fields(mail()), "timestamp": "1", "token": "tökén", "signature": "x"}
    )
    assert post(Client(), url, body, content_type).status == 403


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"recipient": "support@shop.example"}, "no mail in the post"),
        ({"event": "delivered", "recipient": "x@y.example"}, "tracking event"),
        ({"from": "a@b.example", "attachment-count": "x", "attachment-1": "?"}, "do not make"),
    ],
)
def test_posts_without_a_mail_answer_400_and_are_kept(url, fields, reason):
    answer, body = send(url, fields)
    assert (answer.status, reason in answer.text, answer.seconds < 2) == (400, True, True), (
        answer.text
    )
    raw = stored(body)
    assert (raw.state, bytes(raw.data)) == (RawState.UNPROCESSABLE, body)


def test_a_mail_nested_300_levels_is_stored_and_shown(url):
    answer, body = send(url, raw_fields(nested(300)))
    assert (answer.status, answer.seconds < 5) == (200, True)
    assert stored(body).state == RawState.PROCESSED


def test_retries_of_one_mail_are_one_message_different_mails_stay_apart(url):
    """Each retry is a new multipart body (boundary, token): the mail inside decides."""
    for mime in odd_id_mails():
        for _ in range(2):
            assert send(url, raw_fields(mime))[0].status == 200
    assert RawEmail.objects.count() == 2 * len(odd_id_mails())
    assert Message.objects.count() == len(odd_id_mails())


def test_our_own_mail_is_never_a_conversation(url, webform_inbox):
    configure(webform_inbox, from_email="form@shop.example")
    for mime in own_mails("form@shop.example").values():
        assert send(url, raw_fields(mime))[0].status == 200
    assert not Conversation.objects.exists()
    assert set(RawEmail.objects.values_list("state", flat=True)) == {RawState.IGNORED}
