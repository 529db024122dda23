"""Phone calls through Twilio Voice: the conformance suite (calls in, SMS replies out),
the TwiML answers, a missed call with its voicemail and transcription, the recording
fetched through Twilio, the settings, and the call-back button."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from django.test import Client

from rapport.conversations.models import Conversation, Direction, Message
from rapport.inboxes.adapters.sms import signature
from rapport.inboxes.adapters.voice import callback
from rapport.inboxes.models import Inbox, RawWebhook, WebhookState
from tests.channels import test_conformance as twilio_suite
from tests.channels.conformance import Body, Recorded
from tests.channels.twilio import ACCOUNT, TOKEN, TwilioApi
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).parent / "fixtures"
FORM = "application/x-www-form-urlencoded"
TWILIO_NUMBER = "+14155550177"
TEAM_PHONES = ["+14155550188", "+14155550199"]
MISSED = json.loads((FIXTURES / "twilio_voice_missed_call.json").read_text())


class TestTwilioVoice(twilio_suite.TestTwilioSms):
    """The suite for voice: a customer's "message" is a call that nobody answered, and
    replies leave as SMS from the inbox's Twilio number."""

    kind = "voice"
    sample_file = "twilio_voice_answered_call.json"

    def make_inbox(self, admin, agent) -> Inbox:
        page = logged_in(admin).post(
            "/settings/inboxes/new/voice",
            {
                "name": "Phone",
                "account_sid": ACCOUNT,
                "auth_token": TOKEN,
                "phone_number": TWILIO_NUMBER,
                "forward_to": ", ".join(TEAM_PHONES),
                "ring_seconds": "25",
                "members": [agent.pk],
            },
        )
        assert page.status_code == 302, page.content
        return Inbox.objects.get(kind="voice")

    def sample(self, inbox: Inbox) -> tuple[Body, dict[str, str]]:
        fixture = json.loads((FIXTURES / self.sample_file).read_text())
        return (urlencode(fixture["fields"]).encode(), FORM), fixture["expected"]

    def message(self, inbox: Inbox, sender: str, text: str, message_id: str) -> Body:
        fields = {**MISSED["requests"]["dial"], "CallSid": message_id, "From": sender}
        return urlencode(fields).encode(), FORM

    def shown(self, sender: str, text: str) -> str:
        return f"Missed call from {sender}"

    def malformed(self, inbox: Inbox) -> Body:
        """A dial's end that names no caller."""
        fields = {"AccountSid": ACCOUNT, "CallSid": "CAbroken", "DialCallStatus": "no-answer"}
        return urlencode(fields).encode(), FORM

    def assert_send_request(self, request: Recorded, inbox: Inbox, reply: Message) -> None:
        assert request.path == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
        expected_auth = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
        assert request.headers["Authorization"] == f"Basic {expected_auth}"
        assert dict(parse_qsl(request.body.decode())) == {
            "To": "+14155550123",
            "From": TWILIO_NUMBER,  # an SMS from the number the customer called
            "Body": reply.text,
            "StatusCallback": f"http://127.0.0.1:8000/channels/voice/{inbox.public_key}",
        }


VOICE = TestTwilioVoice()


@pytest.fixture
def inbox(admin, agent, twilio_api: TwilioApi) -> Inbox:
    VOICE.api = twilio_api
    return VOICE.make_inbox(admin, agent)


def post(inbox: Inbox, fields: dict[str, str], client: Client | None = None) -> Any:
    body = urlencode(fields).encode(), FORM
    return VOICE.post(client or Client(), inbox, body)


def twiml(response: Any) -> ElementTree.Element:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/xml"
    return ElementTree.fromstring(response.content)  # noqa: S314 (our own TwiML)


def webhook(inbox: Inbox) -> str:
    return f"http://127.0.0.1:8000/channels/voice/{inbox.public_key}"


def serve_recording(twilio_api: TwilioApi, fields: dict[str, str]) -> dict[str, str]:
    """The recording's URL moved onto the local Twilio, which serves its MP3."""
    path = fields["RecordingUrl"].removeprefix("https://api.twilio.com")
    url = twilio_api.add_file(path + ".mp3", b"ID3\x03\x00 voicemail audio", "audio/mpeg")
    return {**fields, "RecordingUrl": url.removesuffix(".mp3")}


# TwiML ---------------------------------------------------------------------------------


def test_a_call_rings_the_team_with_an_action_back_here(inbox):
    answer = twiml(post(inbox, MISSED["requests"]["call"]))

    dial = answer.find("Dial")
    assert dial is not None
    assert dial.get("action") == webhook(inbox)
    assert dial.get("timeout") == "25"
    assert [number.text for number in dial.findall("Number")] == TEAM_PHONES
    # Stored first, as every webhook; nothing on the timeline yet.
    assert RawWebhook.objects.get().key == "CA5e1d3c2b1a09f8e7d6c5b4a3928170aa:call"
    assert not Message.objects.exists()


@pytest.mark.parametrize("status", ["no-answer", "busy", "failed"])
def test_an_unanswered_dial_takes_a_transcribed_voicemail(inbox, status):
    fields = {**MISSED["requests"]["dial"], "DialCallStatus": status}
    answer = twiml(post(inbox, fields))

    assert "leave a message" in (answer.findtext("Say") or "")
    record = answer.find("Record")
    assert record is not None
    assert record.get("transcribe") == "true"
    assert record.get("transcribeCallback") == webhook(inbox)
    assert record.get("recordingStatusCallback") == webhook(inbox)
    assert record.get("action") == webhook(inbox)  # else Twilio re-requests this document


def test_the_greeting_is_the_inboxs_own_and_escaped(inbox, admin):
    inbox.config["voicemail_greeting"] = "Shop <closed> & back at 9"
    Inbox.objects.filter(pk=inbox.pk).update(config=inbox.config)
    answer = twiml(post(inbox, MISSED["requests"]["dial"]))

    assert answer.findtext("Say") == "Shop <closed> & back at 9"


def test_a_repeated_request_gets_the_same_twiml_and_is_stored_once(inbox):
    first = post(inbox, MISSED["requests"]["dial"]).content
    again = post(inbox, MISSED["requests"]["dial"]).content

    assert first == again
    assert RawWebhook.objects.count() == 1


def test_the_voicemails_end_and_an_answered_call_hang_up(inbox):
    assert twiml(post(inbox, MISSED["requests"]["recorded"])).find("Hangup") is not None
    answered = {**MISSED["requests"]["dial"], "DialCallStatus": "completed", "CallSid": "CA2"}
    assert twiml(post(inbox, answered)).find("Hangup") is not None
    assert twiml(post(inbox, MISSED["requests"]["recording"])).find("*") is None  # empty


def test_a_forged_call_is_refused(inbox, client):
    body = urlencode(MISSED["requests"]["call"]).encode(), FORM
    assert VOICE.post(client, inbox, body, forged=True).status_code == 403
    assert not RawWebhook.objects.exists()


# The timeline --------------------------------------------------------------------------


def test_a_missed_call_with_voicemail_and_transcription_is_one_message(inbox, twilio_api):
    requests = MISSED["requests"]
    for name in ["call", "dial", "recorded"]:
        post(inbox, requests[name])
    post(inbox, serve_recording(twilio_api, requests["recording"]))
    post(inbox, requests["transcription"])

    expected = MISSED["expected"]
    message = Message.objects.get()
    assert message.direction == Direction.INBOUND
    assert message.external_id == expected["external_id"]
    assert message.text == expected["text"]
    assert message.conversation.subject == expected["subject"]
    assert message.conversation.customer.phone == expected["customer_phone"]
    [audio] = message.attachments.all()
    assert audio.filename == expected["attachment"]
    assert audio.content_type == "audio/mpeg"
    assert audio.file.read() == b"ID3\x03\x00 voicemail audio"
    # Fetched with the account's keys from the API host, then from the CDN without them.
    api_get = [r for r in twilio_api.api.fetched if r.path.endswith(".mp3")]
    assert api_get[0].headers["Authorization"].startswith("Basic ")
    assert "Authorization" not in twilio_api.cdn.fetched[0].headers
    assert set(RawWebhook.objects.values_list("state", flat=True)) == {WebhookState.PROCESSED}


def test_a_recording_that_arrives_first_waits_for_its_call(inbox, twilio_api):
    requests = MISSED["requests"]
    post(inbox, serve_recording(twilio_api, requests["recording"]))
    assert not Message.objects.exists()
    waiting = RawWebhook.objects.get()
    assert waiting.state == WebhookState.PENDING

    post(inbox, requests["dial"])
    from rapport.inboxes.webhooks import process

    process(waiting.pk)
    assert Message.objects.get().attachments.count() == 1
    assert "Voicemail, 23 s" in Message.objects.get().text


def test_a_recording_that_cannot_be_fetched_leaves_a_note(inbox, twilio_api):
    requests = MISSED["requests"]
    post(inbox, requests["dial"])
    post(inbox, requests["recording"])  # on api.twilio.com, not the configured API host

    message = Message.objects.get()
    assert not message.attachments.exists()
    assert "attachment could not be fetched: its address is not on Twilio's API" in message.text


def test_an_answered_call_is_a_message_on_the_customers_sms_conversation(inbox, admin, agent):
    sms = twilio_suite.TestTwilioSms()
    sms_inbox = sms.make_inbox(admin, agent)
    sms.post(Client(), sms_inbox, sms.message(sms_inbox, "+14155550123", "Hi", "SM1"))
    body, _expected = VOICE.sample(inbox)
    VOICE.post(Client(), inbox, body)

    call = Message.objects.get(inbox=inbox)
    assert call.text == "Call from +14155550123 answered, 4 min 12 s"
    text = Message.objects.get(inbox=sms_inbox)
    # One person: the same E.164 phone on SMS and on the phone line.
    assert call.conversation.customer_id == text.conversation.customer_id


def test_a_second_missed_call_continues_the_open_conversation(inbox):
    post(inbox, MISSED["requests"]["dial"])
    post(inbox, {**MISSED["requests"]["dial"], "CallSid": "CAsecond"})

    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 2


def test_a_hidden_caller_id_gets_twiml_and_no_message(inbox):
    fields = {**MISSED["requests"]["dial"], "From": "anonymous", "Caller": "anonymous"}
    assert twiml(post(inbox, fields)).find("Record") is not None
    assert not Message.objects.exists()


# Settings ------------------------------------------------------------------------------


def test_the_settings_show_the_webhook_url_and_keep_the_token(inbox, admin):
    page = logged_in(admin).get(f"/settings/inboxes/{inbox.pk}/voice").content.decode()

    assert f"{webhook(inbox)}</code>" in page
    assert "+14155550188, +14155550199" in page
    assert TOKEN not in page
    kept = logged_in(admin).post(
        f"/settings/inboxes/{inbox.pk}/voice",
        {
            "account_sid": ACCOUNT,
            "auth_token": "",
            "phone_number": "+1 415 555 0177",
            "forward_to": "+1 415 555 0188",
        },
    )
    assert kept.status_code == 302
    inbox.refresh_from_db()
    assert inbox.config["auth_token"] == TOKEN
    assert inbox.config["forward_to"] == ["+14155550188"]
    assert inbox.config["ring_seconds"] == 20


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"forward_to": ""}, "This field is required"),
        ({"forward_to": "the front desk"}, "a forwarding number must be a phone number"),
        ({"phone_number": "12"}, "the Twilio number must be a phone number"),
    ],
)
def test_wrong_voice_settings_are_explained(admin, twilio_api, change, error):
    fields = {
        "name": "Phone",
        "account_sid": ACCOUNT,
        "auth_token": TOKEN,
        "phone_number": TWILIO_NUMBER,
        "forward_to": TEAM_PHONES[0],
        **change,
    }
    page = logged_in(admin).post("/settings/inboxes/new/voice", fields)

    assert page.status_code == 400
    assert error in page.content.decode()
    assert not Inbox.objects.filter(kind="voice").exists()


# Call back ------------------------------------------------------------------------------


def missed_call(inbox: Inbox) -> Conversation:
    post(inbox, MISSED["requests"]["dial"])
    return Conversation.objects.get(inbox=inbox)


def test_the_customer_card_offers_call_back_with_the_teams_phones(inbox, agent):
    conversation = missed_call(inbox)
    page = logged_in(agent).get(f"/conversations/{conversation.pk}").content.decode()

    assert f'action="/voice/call-back/{conversation.pk}"' in page
    assert '<option value="+14155550199">Ring me at +14155550199</option>' in page


def test_call_back_asks_twilio_to_ring_the_agent_then_connect_the_customer(
    inbox, agent, twilio_api
):
    conversation = missed_call(inbox)
    twilio_api.api.answers[:] = [(201, {}, {"sid": "CAcallback", "status": "queued"})]
    response = logged_in(agent).post(
        f"/voice/call-back/{conversation.pk}", {"choice": "+14155550199"}
    )

    assert response.status_code == 302
    [request] = [r for r in twilio_api.api.requests if r.method == "POST"]
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
    expected_auth = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected_auth}"
    fields = dict(parse_qsl(request.body.decode()))
    assert fields["To"] == "+14155550199"
    assert fields["From"] == TWILIO_NUMBER
    assert fields["Method"] == "POST"
    assert fields["Url"].startswith("http://127.0.0.1:8000/voice/connect/")
    note = conversation.messages.get(direction=Direction.NOTE)
    assert "Calling +14155550123 back" in note.text

    # Twilio fetches the URL when the agent picks up: TwiML dialling the customer.
    path = fields["Url"].removeprefix("http://127.0.0.1:8000")
    signed = signature.compute(TOKEN, fields["Url"], [("CallSid", "CAcallback")])
    answer = twiml(
        Client().post(path, "CallSid=CAcallback", content_type=FORM, HTTP_X_TWILIO_SIGNATURE=signed)
    )
    dial = answer.find("Dial")
    assert dial is not None
    assert dial.get("callerId") == TWILIO_NUMBER
    assert dial.findtext("Number") == "+14155550123"


def call_back(agent: Any, conversation: Conversation, twilio_api: TwilioApi) -> dict[str, str]:
    """The agent presses "Call back": the fields of the call Rapport asked Twilio for."""
    twilio_api.api.answers[:] = [(201, {}, {"sid": "CAcallback", "status": "queued"})]
    response = logged_in(agent).post(
        f"/voice/call-back/{conversation.pk}", {"choice": "+14155550199"}
    )
    assert response.status_code == 302
    [request] = [r for r in twilio_api.api.requests if r.path.endswith("/Calls.json")]
    return dict(parse_qsl(request.body.decode()))


def twilio_reports(url: str, fields: dict[str, str], token: str = TOKEN) -> Any:
    """Twilio posting ``fields`` to ``url``, signed as it signs every request."""
    signed = signature.compute(token, url, sorted(fields.items()))
    return Client().post(
        url.removeprefix("http://127.0.0.1:8000"),
        urlencode(fields),
        content_type=FORM,
        HTTP_X_TWILIO_SIGNATURE=signed,
    )


def outcome_notes(conversation: Conversation) -> list[str]:
    notes = conversation.messages.filter(direction=Direction.NOTE).order_by("id")
    return [note.text for note in notes if note.text.startswith("Call back by")]


def test_the_call_backs_end_is_reported_to_a_signed_link_by_both_legs(inbox, agent, twilio_api):
    fields = call_back(agent, missed_call(inbox), twilio_api)

    outcome = fields["StatusCallback"]
    assert outcome.startswith("http://127.0.0.1:8000/voice/call-back/outcome/")
    assert fields["StatusCallbackMethod"] == "POST"
    dial = twiml(twilio_reports(fields["Url"], {"CallSid": "CAcallback"})).find("Dial")
    assert dial is not None
    assert (dial.get("action"), dial.get("method")) == (outcome, "POST")


@pytest.mark.parametrize(
    ("dialled", "line"),
    [
        ({"DialCallStatus": "completed", "DialCallDuration": "192"}, "answered, 3 min 12 s"),
        ({"DialCallStatus": "no-answer", "DialCallDuration": "0"}, "no answer"),
        ({"DialCallStatus": "busy"}, "busy"),
        ({"DialCallStatus": "failed"}, "failed"),
    ],
)
def test_how_the_customers_leg_went_is_noted_by_the_agent(inbox, agent, twilio_api, dialled, line):
    conversation = missed_call(inbox)
    outcome = call_back(agent, conversation, twilio_api)["StatusCallback"]

    answer = twiml(twilio_reports(outcome, {"CallSid": "CAcallback", **dialled}))
    # The agent's call ends after the <Dial>: its status callback adds nothing.
    ended = {"CallSid": "CAcallback", "CallStatus": "completed", "CallDuration": "200"}
    twiml(twilio_reports(outcome, ended))
    twiml(twilio_reports(outcome, {"CallSid": "CAcallback", **dialled}))  # Twilio's retry

    assert outcome_notes(conversation) == [f"Call back by {agent.name}: {line}"]
    note = conversation.messages.get(text__startswith="Call back by")
    assert note.author == agent
    said = answer.findtext("Say")
    assert said == (None if line.startswith("answered") else "The customer did not answer.")


def test_an_agents_phone_not_picked_up_is_noted_and_the_customer_never_rung(
    inbox, agent, twilio_api
):
    conversation = missed_call(inbox)
    outcome = call_back(agent, conversation, twilio_api)["StatusCallback"]

    report = {"CallSid": "CAcallback", "CallStatus": "no-answer", "To": "+14155550199"}
    twiml(twilio_reports(outcome, report))

    assert outcome_notes(conversation) == [
        f"Call back by {agent.name}: +14155550199 did not answer, so the customer was not called"
    ]


def test_the_outcome_link_refuses_a_forged_report_or_a_changed_link(inbox, agent, twilio_api):
    conversation = missed_call(inbox)
    outcome = call_back(agent, conversation, twilio_api)["StatusCallback"]
    report = {"CallSid": "CAcallback", "DialCallStatus": "completed", "DialCallDuration": "9"}

    assert twilio_reports(outcome, report, token="0" * 32).status_code == 403
    assert twilio_reports(outcome + "x", report).status_code == 404
    assert Client().get(outcome.removeprefix("http://127.0.0.1:8000")).status_code == 405
    assert outcome_notes(conversation) == []


def test_the_connect_url_refuses_a_changed_link_or_an_unsigned_request(inbox):
    url = callback.connect_url(inbox, "+14155550123")
    path = url.removeprefix("http://127.0.0.1:8000")
    signed = signature.compute(TOKEN, url, [])

    assert Client().post(path + "x", HTTP_X_TWILIO_SIGNATURE=signed).status_code == 404
    assert Client().post(path, HTTP_X_TWILIO_SIGNATURE="bad").status_code == 403
    assert Client().post(path, HTTP_X_TWILIO_SIGNATURE=signed).status_code == 200


def test_call_back_rings_only_the_teams_phones(inbox, agent, twilio_api):
    conversation = missed_call(inbox)
    response = logged_in(agent).post(
        f"/voice/call-back/{conversation.pk}", {"choice": "+19005550100"}
    )

    assert response.status_code == 400
    assert not [r for r in twilio_api.api.requests if r.method == "POST"]


def test_twilios_refusal_of_a_call_back_is_shown_in_its_words(inbox, agent, twilio_api):
    conversation = missed_call(inbox)
    words = "The number +14155550199 is unverified"
    twilio_api.api.answers[:] = [(400, {}, {"code": 21210, "message": words})]
    response = logged_in(agent).post(f"/voice/call-back/{conversation.pk}", {})

    assert response.status_code == 400
    assert words in response.content.decode()
    assert not conversation.messages.filter(direction=Direction.NOTE).exists()


def test_an_outsider_cannot_call_back(inbox, outsider):
    conversation = missed_call(inbox)
    response = logged_in(outsider).post(f"/voice/call-back/{conversation.pk}", {})
    assert response.status_code == 404


def test_the_transcription_is_found_by_search(inbox, agent, twilio_api):
    from rapport.search.query import parse as parse_query
    from rapport.search.selectors import search_messages

    post(inbox, MISSED["requests"]["dial"])
    post(inbox, MISSED["requests"]["transcription"])

    page = search_messages(agent, parse_query("cracked Whitfield"))
    assert [hit.message.external_id for hit in page.hits] == [MISSED["expected"]["external_id"]]


def test_call_back_from_an_sms_conversation_uses_the_agents_phone_inbox(inbox, admin, agent):
    sms = twilio_suite.TestTwilioSms()
    sms.api = VOICE.api
    sms_inbox = sms.make_inbox(admin, agent)
    sms.post(Client(), sms_inbox, sms.message(sms_inbox, "+14155550123", "Call me?", "SM9"))
    conversation = Conversation.objects.get(inbox=sms_inbox)
    page = logged_in(agent).get(f"/conversations/{conversation.pk}").content.decode()

    assert f'action="/voice/call-back/{conversation.pk}"' in page
    VOICE.api.api.answers[:] = [(201, {}, {"sid": "CAfromsms"})]
    assert logged_in(agent).post(f"/voice/call-back/{conversation.pk}", {}).status_code == 302
    [call] = [r for r in VOICE.api.api.requests if r.path.endswith("/Calls.json")]
    assert dict(parse_qsl(call.body.decode()))["To"] == TEAM_PHONES[0]
