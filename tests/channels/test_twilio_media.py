"""Media on the Twilio channels (SMS, WhatsApp through Twilio): inbound files fetched from
Twilio while the stored request is processed — only from the API host, its redirect to the
media CDN only through the SSRF guard, size-limited, a failure noted on the message — and
reply attachments sent as MediaUrl, a signed and expiring link to that one file. Also the
check of a Twilio Account SID and auth token when settings are saved."""

from __future__ import annotations

import base64
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rapport.conversations.links import shared_attachment_url
from rapport.conversations.models import Attachment, Conversation, Direction, Message
from rapport.inboxes import channels
from rapport.inboxes.models import Inbox
from tests.channels import test_conformance as twilio_suite
from tests.channels.conformance import ProviderServer
from tests.channels.twilio import ACCOUNT, TOKEN, TwilioApi
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db(transaction=True)

SMS = twilio_suite.TestTwilioSms()
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF a photo"
SITE = "http://127.0.0.1:8000"


@pytest.fixture
def inbox(admin, agent, twilio_api: TwilioApi) -> Inbox:
    SMS.api = twilio_api
    return SMS.make_inbox(admin, agent)


def mms(inbox: Inbox, media: list[tuple[str, str]], body: str = "See the photo") -> Any:
    fields = {
        "MessageSid": "SMmms1",
        "AccountSid": ACCOUNT,
        "From": "+14155550123",
        "To": "+14155550177",
        "Body": body,
        "NumMedia": str(len(media)),
    }
    for number, (url, content_type) in enumerate(media):
        fields[f"MediaUrl{number}"] = url
        fields[f"MediaContentType{number}"] = content_type
    return SMS.post(Client(), inbox, (urlencode(fields).encode(), twilio_suite.FORM))


# Inbound --------------------------------------------------------------------------------


def test_media_are_fetched_with_the_accounts_keys_and_stored_as_attachments(inbox, twilio_api):
    url = twilio_api.add_file(twilio_api.media_path("ME1"), PHOTO, "image/jpeg")
    response = mms(inbox, [(url, "image/jpeg")])

    assert response.status_code == 200
    message = Message.objects.get()
    assert message.text == "See the photo"
    [photo] = message.attachments.all()
    assert (photo.filename, photo.content_type, photo.file.read()) == (
        "media-1.jpg",
        "image/jpeg",
        PHOTO,
    )
    [api_get] = [r for r in twilio_api.api.fetched if "/Media/" in r.path]
    keys = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    assert api_get.headers["Authorization"] == f"Basic {keys}"
    [cdn_get] = twilio_api.cdn.fetched
    assert "Authorization" not in cdn_get.headers  # the keys never leave for the CDN


def test_a_picture_alone_is_named_in_the_text(inbox, twilio_api):
    url = twilio_api.add_file(twilio_api.media_path("ME2"), PHOTO, "image/jpeg")
    mms(inbox, [(url, "image/jpeg")], body="")

    assert Message.objects.get().text == "📎 media-1.jpg"


def test_media_are_not_fetched_while_twilio_waits(inbox, twilio_api):
    """The accept path only reads the form: ``parse`` makes no request."""
    url = twilio_api.add_file(twilio_api.media_path("ME3"), PHOTO, "image/jpeg")
    fields = {"MessageSid": "SM3", "AccountSid": ACCOUNT, "From": "+14155550123", "Body": "x"}
    fields |= {"NumMedia": "1", "MediaUrl0": url, "MediaContentType0": "image/jpeg"}
    request = Client().post("/", urlencode(fields), content_type=twilio_suite.FORM).wsgi_request
    [message] = channels.get("sms").parse(request, inbox, urlencode(fields).encode())

    assert message.attachments == ()
    assert not [r for r in twilio_api.api.fetched if "/Media/" in r.path]


def test_a_media_url_on_another_host_is_not_fetched_and_gets_no_keys(inbox, twilio_api):
    twilio_api.cdn.files["/evil.jpg"] = (200, {"Content-Type": "image/jpeg"}, PHOTO)
    mms(inbox, [(twilio_api.cdn.url + "/evil.jpg", "image/jpeg")])

    message = Message.objects.get()
    assert not message.attachments.exists()
    assert message.text == (
        "See the photo\n[The image/jpeg attachment could not be fetched: its address is not"
        " on Twilio's API for this account]"
    )
    assert not twilio_api.cdn.fetched


def test_a_redirect_to_an_internal_address_is_refused(inbox, twilio_api, settings):
    settings.RAPPORT_WEBHOOK_ALLOW_HOSTS = []  # the CDN stand-in is on loopback
    url = twilio_api.add_file(twilio_api.media_path("ME4"), PHOTO, "image/jpeg")
    mms(inbox, [(url, "image/jpeg")])

    message = Message.objects.get()
    assert not message.attachments.exists()
    assert "Twilio's media address was refused: the URL points to 127.0.0.2" in message.text
    assert not twilio_api.cdn.fetched


def test_a_file_over_the_limit_is_left_out_with_a_note(inbox, twilio_api, settings):
    settings.RAPPORT_MAX_ATTACHMENT_BYTES = 1024 * 1024
    big = twilio_api.add_file(twilio_api.media_path("ME5"), b"x" * (1024 * 1024 + 1), "video/mp4")
    small = twilio_api.add_file(twilio_api.media_path("ME6"), PHOTO, "image/jpeg")
    mms(inbox, [(big, "video/mp4"), (small, "image/jpeg")])

    message = Message.objects.get()
    assert [a.filename for a in message.attachments.all()] == ["media-2.jpg"]
    assert "The video/mp4 attachment could not be fetched: it is larger than the 1 MB" in (
        message.text
    )


def test_media_twilio_no_longer_has_leave_a_note_and_keep_the_message(inbox, twilio_api):
    mms(inbox, [(twilio_api.api.url + twilio_api.media_path("MEgone"), "image/png")])

    message = Message.objects.get()
    assert "The image/png attachment could not be fetched: Twilio answered HTTP 404" in (
        message.text
    )


# Outbound -------------------------------------------------------------------------------


def reply_with_file(inbox: Inbox, agent: Any) -> Message:
    mms(inbox, [])
    conversation = Conversation.objects.get()
    upload = SimpleUploadedFile("receipt.png", b"\x89PNG\r\n\x1a\n a receipt", "image/png")
    logged_in(agent).post(
        f"/conversations/{conversation.pk}/reply", {"text": "Your receipt", "attachments": upload}
    )
    return conversation.messages.get(direction=Direction.OUTBOUND)


def test_reply_attachments_go_as_media_urls_twilio_can_fetch(inbox, agent, twilio_api):
    reply = reply_with_file(inbox, agent)

    [send] = [r for r in twilio_api.api.requests if r.path.endswith("/Messages.json")]
    fields = parse_qsl(send.body.decode())
    [media_url] = [value for name, value in fields if name == "MediaUrl"]
    assert media_url.startswith(f"{SITE}/attachments/shared/")
    assert media_url.endswith("/receipt.png")
    # Twilio fetches it without a session.
    fetched = Client().get(media_url.removeprefix(SITE))
    assert fetched.status_code == 200
    assert fetched["Content-Type"] == "image/png"
    assert b"".join(fetched.streaming_content) == reply.attachments.get().file.read()


def test_a_changed_or_expired_link_serves_nothing(inbox, agent, twilio_api, monkeypatch):
    attachment = reply_with_file(inbox, agent).attachments.get()
    good = shared_attachment_url(attachment).removeprefix(SITE)
    signed = good.split("/")[3]
    changed = good.replace(signed, signed[:-1] + ("A" if signed[-1] != "A" else "B"))
    other_id = good.replace(signed, signing.dumps(attachment.pk + 1, salt="another"))

    assert Client().get(changed).status_code == 404
    assert Client().get(other_id).status_code == 404
    three_hours_ago = signing.b62_encode(int(time.time()) - 3 * 3600)
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: three_hours_ago)
    expired = shared_attachment_url(attachment).removeprefix(SITE)
    monkeypatch.undo()
    assert Client().get(expired).status_code == 404
    assert Client().get(good).status_code == 200


def test_a_customers_own_file_is_never_shared_by_link(inbox, twilio_api):
    url = twilio_api.add_file(twilio_api.media_path("ME7"), PHOTO, "image/jpeg")
    mms(inbox, [(url, "image/jpeg")])
    inbound = Attachment.objects.get(message__direction=Direction.INBOUND)

    assert Client().get(shared_attachment_url(inbound).removeprefix(SITE)).status_code == 404


# Keys checked on save -------------------------------------------------------------------


def new_sms_inbox(admin: Any, account: str = ACCOUNT) -> Any:
    return logged_in(admin).post(
        "/settings/inboxes/new/sms",
        {"name": "Texts", "account_sid": account, "auth_token": TOKEN, "sender": "+14155550100"},
    )


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (401, "Twilio refused the Account SID and auth token"),
        (404, "Twilio knows no account AC0000000000000000000000000000000f"),
        (500, "Twilio could not check the keys now (it answered HTTP 500)"),
    ],
)
def test_twilios_answer_on_the_keys_is_shown_in_plain_words(admin, twilio_api, status, words):
    account = "AC0000000000000000000000000000000f"
    twilio_api.account(account, status)
    page = new_sms_inbox(admin, account)

    assert page.status_code == 400
    assert words in page.content.decode()
    assert not Inbox.objects.exists()
    [check] = twilio_api.api.fetched
    assert check.path == f"/2010-04-01/Accounts/{account}.json"
    keys = base64.b64encode(f"{account}:{TOKEN}".encode()).decode()
    assert check.headers["Authorization"] == f"Basic {keys}"


def test_twilio_unreachable_is_said_so(admin, settings):
    closed = ProviderServer()
    closed.start()
    closed.stop()  # nothing listens there now
    settings.TWILIO_API_BASE = closed.url
    page = new_sms_inbox(admin)

    assert page.status_code == 400
    assert "Twilio could not be reached to check the keys" in page.content.decode()


@pytest.mark.parametrize("kind", ["whatsapp_twilio", "voice"])
def test_the_other_twilio_channels_check_the_keys_too(admin, twilio_api, kind):
    twilio_api.account(ACCOUNT, 401)
    fields = {"name": "X", "account_sid": ACCOUNT, "auth_token": TOKEN, "sender": "+14155550100"}
    fields |= {"phone_number": "+14155550100", "forward_to": "+14155550101"}
    page = logged_in(admin).post(f"/settings/inboxes/new/{kind}", fields)

    assert page.status_code == 400
    assert "Twilio refused the Account SID and auth token" in page.content.decode()


def test_whatsapp_media_are_fetched_the_same_way(admin, agent, twilio_api):
    whatsapp = twilio_suite.TestWhatsAppThroughTwilio()
    whatsapp.api = twilio_api
    inbox = whatsapp.make_inbox(admin, agent)
    url = twilio_api.add_file(twilio_api.media_path("MEwa"), b"%PDF-1.4 invoice", "application/pdf")
    fields = {
        "MessageSid": "SMwa1",
        "AccountSid": ACCOUNT,
        "From": "whatsapp:+34612345678",
        "To": "whatsapp:+14155550177",
        "ProfileName": "Ana Ruiz",
        "Body": "",
        "NumMedia": "1",
        "MediaUrl0": url,
        "MediaContentType0": "application/pdf",
    }
    whatsapp.post(Client(), inbox, (urlencode(fields).encode(), twilio_suite.FORM))

    message = Message.objects.get()
    assert message.text == "📎 media-1.pdf"
    assert message.attachments.get().content_type == "application/pdf"
    assert message.conversation.customer.phone == "+34612345678"
