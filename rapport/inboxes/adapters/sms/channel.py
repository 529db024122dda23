"""SMS through Twilio: a phone number (or a Messaging Service's pool of numbers) that
customers text; agents' replies leave through Twilio's Messages API.

Twilio posts incoming texts and the replies' status callbacks to the inbox's webhook URL
(``/channels/sms/<public key>``, stored first: ``inboxes/inbound.py``), signed with the
account's auth token over that public URL (``signature.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from rapport.conversations.inbound import InboundMessage
from rapport.conversations.links import shared_attachment_url
from rapport.conversations.models import Message
from rapport.core.errors import ValidationFailed
from rapport.customers.addresses import normalize_phone
from rapport.inboxes.adapters import twilio
from rapport.inboxes.adapters.sms import inbound, outbound, signature
from rapport.inboxes.channels import (
    Channel,
    ChannelSettingsForm,
    Composer,
    InboundRefused,
    MessageAddition,
    SettingsTab,
    StatusUpdate,
    secret_field,
)
from rapport.inboxes.models import Inbox
from rapport.outbox.errors import DeliveryError
from rapport.outbox.models import Delivery

ACCOUNT_SID = twilio.ACCOUNT_SID
SERVICE_SID = re.compile(r"MG[0-9a-fA-F]{32}")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class TwilioKeysForm(ChannelSettingsForm):
    """A settings form holding a Twilio Account SID and auth token: on save, Twilio is
    asked whether they open the account, and a refusal is shown on the form in words."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        account_sid = str(cleaned.get("account_sid") or "").strip()
        token = str(cleaned.get("auth_token") or "").strip() or self.stored.get("auth_token", "")
        if ACCOUNT_SID.fullmatch(account_sid) and token and not self.errors:
            try:
                twilio.check_credentials(account_sid, token)
            except ValidationFailed as error:
                self.add_error(None, error.message)
        return cleaned


class SmsSettingsForm(TwilioKeysForm):
    account_sid = forms.CharField(
        max_length=34, label="Account SID", help_text="On the Twilio console's front page: AC…"
    )
    auth_token = secret_field(
        "Auth token",
        max_length=64,
        help_text="Checks that webhooks come from Twilio and sends replies. Left empty, the"
        " stored one is kept.",
    )
    sender = forms.CharField(
        max_length=40,
        label="Phone number or Messaging Service SID",
        help_text="Your Twilio number (+14155550100), or a Messaging Service (MG…) to reply"
        " from its pool of numbers.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = self.stored
        self.fields["sender"].initial = stored.get("messaging_service_sid") or stored.get(
            "phone_number", ""
        )


class SmsChannel(Channel):
    kind = "sms"
    label = "SMS"
    icon, tint = "phone", ("#e8f1fd", "#1f5fbf")
    pick = ("An SMS number", "Texts through Twilio")
    address_kind = "phone"
    settings_form: ClassVar[type[ChannelSettingsForm] | None] = SmsSettingsForm
    settings_tab = SettingsTab(
        label="SMS settings",
        template="inboxes/settings/channel.html",
        noun="SMS",
        pointer="The Twilio number and keys",
    )
    # Twilio takes up to 1600 characters; the box counts the SMS they become (GSM-7 or
    # UCS-2: segments.py, and app.js for the box).
    composer = Composer(max_length=1600, segment_length=160, hint="Sent as SMS: plain text only")
    takes_webhooks = True
    max_inbound_bytes = 64 * 1024  # a Twilio form is a few kilobytes
    prefix = ""  # WhatsApp through Twilio: "whatsapp:"
    # Under the webhook URL on the settings tab: where to paste it.
    webhook_help = (
        "On the Twilio console, paste this as your number's (or Messaging Service's)"
        " “A message comes in” webhook, HTTP POST. Delivery statuses come back to it too."
    )

    def clean_config(
        self, values: Mapping[str, Any], previous: Mapping[str, Any]
    ) -> dict[str, Any]:
        config = twilio.clean_keys(values, previous)
        sender = str(values.get("sender") or "").strip()
        if SERVICE_SID.fullmatch(sender):
            config["messaging_service_sid"] = sender
        else:
            try:
                config["phone_number"] = normalize_phone(sender)
            except ValidationFailed:
                raise ValidationFailed(
                    "the sender is your Twilio number with + and the country code"
                    " (+14155550100), or a Messaging Service SID (MG…)"
                ) from None
        return config

    def initial(self, inbox: Inbox) -> dict[str, Any]:
        config = {k: v for k, v in inbox.config.items() if k != "auth_token"}
        config["sender"] = config.get("messaging_service_sid") or config.get("phone_number", "")
        return config

    def settings_context(self, request: HttpRequest, inbox: Inbox | None) -> dict[str, Any]:
        return {"webhook_help": self.webhook_help}

    # Inbound ------------------------------------------------------------------------

    def webhook_url(self, inbox: Inbox) -> str:
        """The public URL Twilio posts to and signs: from SITE_URL, never the Host header."""
        return settings.SITE_URL + reverse("channel_inbound", args=[self.kind, inbox.public_key])

    def verify(self, request: HttpRequest, inbox: Inbox, body: bytes) -> None:
        fields = inbound.form(request.META.get("CONTENT_TYPE", ""), body)
        given = request.headers.get("X-Twilio-Signature", "")
        token = str(inbox.setting("auth_token", ""))
        if not signature.matches(token, self.webhook_url(inbox), fields, given):
            raise InboundRefused("the X-Twilio-Signature does not match this inbox's auth token")
        # The pool's numbers all post here: To is not checked, the account is.
        if dict(fields).get("AccountSid", "") != inbox.setting("account_sid"):
            raise InboundRefused("the request is for another Twilio account")

    def request_key(self, request: HttpRequest, inbox: Inbox, body: bytes) -> str:
        return inbound.key(dict(inbound.form(request.META.get("CONTENT_TYPE", ""), body)))

    def parse(
        self, request: HttpRequest, inbox: Inbox, body: bytes
    ) -> Sequence[InboundMessage | StatusUpdate | MessageAddition]:
        fields = dict(inbound.form(request.META.get("CONTENT_TYPE", ""), body))
        if inbound.is_status(fields):
            return [inbound.status_update(fields)]
        return [inbound.message(fields, self.address_kind, self.prefix)]

    def complete(self, inbox: Inbox, item: InboundMessage) -> InboundMessage:
        """The message's pictures and files fetched from Twilio as its attachments; one
        that cannot be fetched is named in a note under the text instead."""
        if not isinstance(item.raw, dict):
            return item
        media = inbound.media(item.raw)
        if not media:
            return item
        files, notes = twilio.fetch_all(inbox.config, media)
        text = "\n".join(part for part in [item.text, *notes] if part)
        if not text:  # a picture alone: the timeline and the inbox list show its name
            text = "📎 " + ", ".join(file.name or "file" for file in files)
        return replace(item, text=text, attachments=files)

    def answer(self, request: HttpRequest, inbox: Inbox, stored: int) -> HttpResponse:
        """Empty TwiML: the message is taken, and nothing is sent back automatically."""
        return HttpResponse(EMPTY_TWIML, content_type="text/xml")

    # Outbound -----------------------------------------------------------------------

    def send(self, delivery: Delivery, message: Message) -> str:
        inbox = message.conversation.inbox
        to = message.conversation.customer.phone
        if not to:
            raise DeliveryError("the customer has no phone number", permanent=True)
        if not inbox.setting("auth_token"):
            raise DeliveryError("the inbox has no Twilio auth token", permanent=True)
        return outbound.send(
            inbox.config,
            to=to,
            text=message.text,
            status_callback=self.webhook_url(inbox),
            prefix=self.prefix,
            media_urls=[shared_attachment_url(a) for a in message.attachments.all()],
        )
