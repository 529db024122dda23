"""Twilio SMS beyond the conformance suite: its settings page, the signed URL being the
public one, the quarantine, and the SMS count."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import pytest

from rapport.conversations.models import Message
from rapport.inboxes.adapters.sms import segments, signature
from rapport.inboxes.adapters.sms.channel import SmsChannel
from rapport.inboxes.models import Inbox, RawWebhook, WebhookState
from tests.channels import test_conformance as suite
from tests.channels.test_conformance import ACCOUNT, TOKEN
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db(transaction=True)

SMS = suite.TestTwilioSms()  # the module, not the class: imported, it would run twice


@pytest.fixture
def inbox(admin, agent, twilio_api) -> Inbox:
    SMS.api = twilio_api
    return SMS.make_inbox(admin, agent)


def test_the_settings_tab_shows_the_webhook_url_and_never_the_token(inbox, admin):
    page = logged_in(admin).get(f"/settings/inboxes/{inbox.pk}/sms").content.decode()

    assert f"http://127.0.0.1:8000/channels/sms/{inbox.public_key}</code>" in page
    assert 'value="MG00000000000000000000000000000042"' in page
    assert TOKEN not in page
    kept = logged_in(admin).post(
        f"/settings/inboxes/{inbox.pk}/sms",
        {"account_sid": ACCOUNT, "auth_token": "", "sender": "+1 415 555 0100"},
    )
    assert kept.status_code == 302
    inbox.refresh_from_db()
    assert inbox.config == {
        "account_sid": ACCOUNT,
        "auth_token": TOKEN,  # left empty: the stored one is kept
        "phone_number": "+14155550100",  # E.164
    }


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"account_sid": "AC123", "auth_token": "t", "sender": "+14155550100"}, "account SID"),
        ({"account_sid": ACCOUNT, "auth_token": "", "sender": "+14155550100"}, "auth token"),
        ({"account_sid": ACCOUNT, "auth_token": "t", "sender": "my number"}, "Messaging Service"),
    ],
)
def test_wrong_settings_are_explained(admin, twilio_api, fields, error):
    page = logged_in(admin).post("/settings/inboxes/new/sms", {"name": "Texts", **fields})

    assert page.status_code == 400
    assert error in page.content.decode()
    assert not Inbox.objects.filter(kind="sms").exists()


def test_the_signature_is_over_the_public_url_not_the_host_header(inbox, client, settings):
    body, content_type = SMS.message(inbox, "+14155550123", "Hi", "SMhost")
    params = parse_qsl(body.decode(), keep_blank_values=True)
    path = f"/channels/sms/{inbox.public_key}"

    def post(signed_url: str) -> Any:
        signed = signature.compute(TOKEN, signed_url, params)
        return client.post(path, body, content_type=content_type, HTTP_X_TWILIO_SIGNATURE=signed)

    refused = post(f"http://testserver{path}")  # the URL this server sees
    settings.SITE_URL = "https://help.shop.example"
    accepted = post(f"https://help.shop.example{path}")  # the one Twilio was given

    assert refused.status_code == 403
    assert accepted.status_code == 200
    assert accepted["Content-Type"] == "text/xml"
    assert Message.objects.get().text == "Hi"


def test_another_accounts_request_is_refused(inbox, client):
    body = SMS.message(inbox, "+14155550123", "Hi", "SMother")
    other = (body[0].replace(ACCOUNT.encode(), b"AC" + b"9" * 32), body[1])

    assert SMS.post(client, inbox, other).status_code == 403
    assert not RawWebhook.objects.exists()


def test_an_unreadable_request_is_on_settings_quarantine_and_retried(inbox, client, admin):
    body = SMS.message(inbox, "not a number", "Hi", "SMbadfrom")
    response = SMS.post(client, inbox, body)
    raw = RawWebhook.objects.get()

    assert response.status_code == 400
    assert "is not a phone number" in response.json()["error"]
    page = logged_in(admin).get("/settings/quarantine/").content.decode()
    assert f"/settings/quarantine/webhook:{raw.pk}/raw" in page
    assert "SMS webhook" in page
    download = logged_in(admin).get(f"/settings/quarantine/webhook:{raw.pk}/raw")
    assert download.content == body[0]
    # After a fix (here: the stored number corrected), a retry makes the message.
    RawWebhook.objects.filter(pk=raw.pk).update(
        body=body[0].replace(b"not+a+number", b"%2B14155550123")
    )
    logged_in(admin).post(f"/settings/quarantine/webhook:{raw.pk}/retry")
    raw.refresh_from_db()
    assert raw.state == WebhookState.PROCESSED
    assert Message.objects.get().text == "Hi"


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("", 0),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # an extension character takes two of the 160
        ("€" * 81, 2),
        ("ü" * 160, 1),  # in the GSM alphabet
        ("ł" * 70, 1),  # not in it: UCS-2
        ("ł" * 71, 2),
        ("ł" * 134, 2),
        ("ł" * 135, 3),
        ("😀" * 35, 1),  # two UTF-16 units each
    ],
)
def test_the_sms_count(text, count):
    assert segments.count(text) == count


def test_the_reply_box_counts_sms(inbox, client, agent):
    SMS.post(client, inbox, SMS.message(inbox, "+14155550123", "Hello?", "SMbox"))
    conversation = Message.objects.get().conversation
    page = logged_in(agent).get(f"/conversations/{conversation.pk}").content.decode()

    assert 'maxlength="1600"' in page
    assert 'data-segment-length="160"' in page
    assert "Sent as SMS: plain text only" in page
    assert SmsChannel.composer.segment_length == 160
