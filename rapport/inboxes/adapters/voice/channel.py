"""Phone calls through Twilio Voice: a Twilio number customers call.

Twilio posts every request of a call to the inbox's webhook URL (``/channels/voice/<public
key>``), signed like SMS (``X-Twilio-Signature`` over that public URL). The incoming call
is answered with TwiML that rings the team's forwarding numbers (``<Dial>``); when nobody
answers, with a greeting and a voicemail (``<Record>``, transcribed). ``calls.py`` says what
each request becomes on the timeline. Replies to a phone conversation leave as SMS from
the same Twilio number (the SMS channel's ``send``), and agents can call the customer back
(``callback.py``).

**Why TwiML is answered at once and still stored first.** Twilio needs its next
instructions in the answer to its request; it cannot wait for a job. The endpoint stores
the raw request first, as for every webhook channel, and only then answers; the answer is
computed from the request's own fields and the inbox's settings (``answer``), never from
what processing the request would write. So processing later cannot change what Twilio was
told, a retried or doubled request (stored once) gets the same TwiML again, and when the
database is away nothing is stored and Twilio gets a 503 (its fallback URL or error
message plays) instead of a call we would have no trace of.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse

from rapport.accounts.models import User
from rapport.conversations.inbound import InboundMessage
from rapport.conversations.models import Conversation
from rapport.conversations.selectors import can_change
from rapport.core.errors import ValidationFailed
from rapport.customers.addresses import normalize_phone
from rapport.inboxes.adapters import twilio
from rapport.inboxes.adapters.sms import inbound as sms_inbound
from rapport.inboxes.adapters.sms.channel import SmsChannel, TwilioKeysForm
from rapport.inboxes.adapters.voice import callback, calls, twiml
from rapport.inboxes.channels import (
    Composer,
    MessageAddition,
    SettingsTab,
    StatusUpdate,
    Tool,
    number_field,
    secret_field,
)
from rapport.inboxes.models import Inbox

RING_SECONDS = 20


class VoiceSettingsForm(TwilioKeysForm):
    account_sid = forms.CharField(
        max_length=34, label="Account SID", help_text="On the Twilio console's front page: AC…"
    )
    auth_token = secret_field(
        "Auth token",
        max_length=64,
        help_text="Checks that requests come from Twilio, fetches voicemails and places"
        " call-backs. Left empty, the stored one is kept.",
    )
    phone_number = forms.CharField(
        max_length=40,
        label="Twilio number",
        help_text="The number customers call (+14155550100); replies leave from it as SMS.",
    )
    forward_to = forms.CharField(
        max_length=400,
        label="Forwarding numbers",
        help_text="The team's phones, rung together when a customer calls (one or more,"
        " separated by commas). Call-backs ring one of them first.",
    )
    ring_seconds = number_field(
        "Ring for (seconds)",
        initial=RING_SECONDS,
        low=5,
        high=60,
        help_text="Then the caller hears the greeting and can leave a voicemail.",
    )
    voicemail_greeting = forms.CharField(
        required=False,
        max_length=300,
        label="Voicemail greeting",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=f"Read out before the beep. Left empty: “{twiml.DEFAULT_GREETING}”",
    )


def _phone(value: str, what: str) -> str:
    try:
        return normalize_phone(value)
    except ValidationFailed:
        raise ValidationFailed(
            f"{what} must be a phone number with + and the country code (+14155550100),"
            f" not {value[:40]!r}"
        ) from None


class VoiceChannel(SmsChannel):
    kind = "voice"
    label = "Phone"
    icon, tint = "phone", ("#f3ecfd", "#6d28d9")
    pick = ("A phone number", "Calls, missed calls and voicemail through Twilio Voice")
    settings_form = VoiceSettingsForm
    settings_tab = SettingsTab(
        label="Phone settings",
        template="inboxes/settings/channel.html",
        noun="phone",
        pointer="The Twilio number, the team's phones and the voicemail",
    )
    composer = Composer(
        max_length=1600, segment_length=160, hint="Sent as SMS from the inbox's Twilio number"
    )
    url_prefix = "voice"
    webhook_help = (
        "On the Twilio console, paste this as your number's “A call comes in” webhook,"
        " HTTP POST. The call's later requests (the ringing's end, the voicemail, its"
        " transcription) and replies' SMS statuses come back to it on their own."
    )

    # Settings -----------------------------------------------------------------------

    def clean_config(
        self, values: Mapping[str, Any], previous: Mapping[str, Any]
    ) -> dict[str, Any]:
        keys = twilio.clean_keys(values, previous)
        given = values.get("forward_to") or ""
        numbers = given if isinstance(given, list) else re.split(r"[,;\n]+", str(given))
        forward_to = [_phone(n, "a forwarding number") for n in numbers if str(n).strip()]
        if not forward_to:
            raise ValidationFailed("give at least one forwarding number: the phone that rings")
        ring = values.get("ring_seconds") or RING_SECONDS
        if not 5 <= int(ring) <= 60:
            raise ValidationFailed("ring for 5 to 60 seconds")
        return {
            **keys,
            "phone_number": _phone(str(values.get("phone_number") or ""), "the Twilio number"),
            "forward_to": list(dict.fromkeys(forward_to))[:10],
            "ring_seconds": int(ring),
            "voicemail_greeting": str(values.get("voicemail_greeting") or "").strip()[:300],
        }

    def initial(self, inbox: Inbox) -> dict[str, Any]:
        config = {k: v for k, v in inbox.config.items() if k != "auth_token"}
        config["forward_to"] = ", ".join(config.get("forward_to", []))
        return config

    # Inbound ------------------------------------------------------------------------

    def _fields(self, request: HttpRequest, body: bytes) -> dict[str, str]:
        return dict(sms_inbound.form(request.META.get("CONTENT_TYPE", ""), body))

    def request_key(self, request: HttpRequest, inbox: Inbox, body: bytes) -> str:
        return calls.key(self._fields(request, body))

    def parse(
        self, request: HttpRequest, inbox: Inbox, body: bytes
    ) -> Sequence[InboundMessage | StatusUpdate | MessageAddition]:
        return calls.items(self._fields(request, body))

    def complete(self, inbox: Inbox, item: InboundMessage) -> InboundMessage:
        return item  # a call's message points to nothing to fetch (SMS's media: none)

    def complete_addition(self, inbox: Inbox, item: MessageAddition) -> MessageAddition:
        """A voicemail's recording fetched from Twilio (with the account's keys) as an
        audio attachment; when it cannot be, a note says so instead."""
        if not isinstance(item.raw, dict):
            return item
        media = calls.recording_media(item.raw)
        if media is None:
            return item
        files, notes = twilio.fetch_all(inbox.config, [media])
        text = "\n".join([item.text, *notes])
        return replace(item, text=text, attachments=files)

    def answer(self, request: HttpRequest, inbox: Inbox, stored: int) -> HttpResponse:
        """TwiML from the request's fields and the inbox's settings alone (see the module
        docstring): ring the team, take a voicemail when nobody answered, else hang up."""
        fields = self._fields(request, request.body)
        kind = calls.event(fields)
        url = self.webhook_url(inbox)
        greeting = str(inbox.setting("voicemail_greeting", ""))
        if kind == "call":
            numbers = list(inbox.setting("forward_to", []))
            ring = int(inbox.setting("ring_seconds", RING_SECONDS))
            answer = (
                twiml.dial(numbers, action=url, ring_seconds=ring)
                if numbers
                else twiml.voicemail(greeting, callback=url)
            )
        elif kind == "dial" and fields["DialCallStatus"] in {"no-answer", "busy", "failed"}:
            answer = twiml.voicemail(greeting, callback=url)
        elif kind in ("dial", "recorded"):
            answer = twiml.hangup()
        else:
            answer = twiml.empty()
        return HttpResponse(answer, content_type="text/xml")

    # Call-backs ---------------------------------------------------------------------

    def inbound_urls(self) -> list[Any]:
        return [
            path("connect/<str:signed>", callback.connect, name="voice_connect"),
            path("call-back/<int:conversation_id>", callback.call_back, name="voice_call_back"),
            path(
                "call-back/outcome/<str:signed>",
                callback.outcome,
                name="voice_call_back_outcome",
            ),
        ]

    def customer_tools(self, conversation: Conversation, user: User) -> list[Tool]:
        """ "Call back", for a customer with a phone, when the agent may answer the
        conversation and a phone inbox is at hand (the conversation's, or one of theirs)."""
        phone = conversation.customer.phone
        if not phone or not user.can_reply or not can_change(user, conversation):
            return []
        inbox = callback.voice_inbox_for(conversation, user)
        if inbox is None:
            return []
        numbers = list(inbox.setting("forward_to", []))
        return [
            Tool(
                label="Call back",
                url=reverse("voice_call_back", args=[conversation.pk]),
                icon="phone",
                choices=tuple((number, f"Ring me at {number}") for number in numbers),
                hint=f"Twilio rings your phone first, then connects you to {phone}.",
            )
        ]
