"""WhatsApp through Meta's Cloud API: a WhatsApp Business number whose messages Meta posts
to the inbox's webhook URL (``/channels/whatsapp/<public key>``, signed with the app
secret: ``adapters/meta.py``), and whose replies leave through the Graph API.

Customers are known by their E.164 phone number (WhatsApp's wa_id with a +), so the same
person on SMS, WhatsApp through Twilio and here is one customer. Free text may be sent
only within 24 hours of the customer's last message (``reply_window``); after that only
an approved template, which the reply box then offers instead of the text box.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.http import HttpRequest

from rapport.conversations.inbound import InboundMessage
from rapport.conversations.models import Conversation, Message
from rapport.conversations.selectors import last_customer_message_at
from rapport.inboxes.adapters.meta import MetaChannel
from rapport.inboxes.adapters.whatsapp import inbound, media, outbound, replies
from rapport.inboxes.adapters.whatsapp.setup import WhatsAppSettingsForm, clean_whatsapp
from rapport.inboxes.channels import (
    Composer,
    Reply,
    ReplyWindow,
    SettingsTab,
    StatusUpdate,
    window_after,
)
from rapport.inboxes.models import Inbox
from rapport.outbox.errors import DeliveryError
from rapport.outbox.models import Delivery

SECRETS = ("access_token", "app_secret")


class WhatsAppChannel(MetaChannel):
    kind = "whatsapp"
    label = "WhatsApp"
    icon, tint = "phone", ("#e7f8ee", "#15803d")
    pick = ("A WhatsApp Business number", "Meta's WhatsApp Cloud API")
    address_kind = "phone"
    settings_form = WhatsAppSettingsForm
    settings_tab = SettingsTab(
        label="WhatsApp settings",
        template="whatsapp_channel/settings.html",
        noun="WhatsApp",
        pointer="The number, its Meta app keys and the verify token",
        after_create=": paste the webhook URL and verify token into the Meta app",
    )
    composer = Composer(
        max_length=4096,
        hint="Sent on WhatsApp: plain text",
        extras_template="whatsapp_channel/_composer.html",
    )
    max_inbound_bytes = 1024 * 1024  # Meta batches up to a few hundred kilobytes
    url_prefix = "whatsapp"

    # Settings -----------------------------------------------------------------------

    def clean_config(
        self, values: Mapping[str, Any], previous: Mapping[str, Any]
    ) -> dict[str, Any]:
        return clean_whatsapp(values, previous)

    def initial(self, inbox: Inbox) -> dict[str, Any]:
        return {k: v for k, v in inbox.config.items() if k not in SECRETS}

    def settings_context(self, request: HttpRequest, inbox: Inbox | None) -> dict[str, Any]:
        if inbox is None:
            return {}
        return {
            "verify_token": inbox.setting("verify_token", ""),
            "display_phone_number": inbox.setting("display_phone_number", ""),
            "verified_name": inbox.setting("verified_name", ""),
        }

    def inbound_urls(self) -> list[Any]:
        from rapport.inboxes.adapters.whatsapp.urls import urlpatterns

        return list(urlpatterns)

    # Inbound ------------------------------------------------------------------------

    def request_key(self, request: HttpRequest, inbox: Inbox, body: bytes) -> str:
        return inbound.request_key(body)

    def parse(
        self, request: HttpRequest, inbox: Inbox, body: bytes
    ) -> Sequence[InboundMessage | StatusUpdate]:
        return inbound.parse(body)

    def complete(self, inbox: Inbox, message: InboundMessage) -> InboundMessage:
        return media.complete(inbox, message)

    # Replies ------------------------------------------------------------------------

    def reply_window(self, conversation: Conversation) -> ReplyWindow:
        return window_after(last_customer_message_at(conversation), after="an approved template")

    def send_reply(self, reply: Reply, plain: Callable[..., Message]) -> Message:
        return replies.send(reply, plain)

    def composer_context(
        self, conversation: Conversation, messages_list: list[Message] | None
    ) -> dict[str, Any]:
        return replies.composer_context(conversation)

    def send(self, delivery: Delivery, message: Message) -> str:
        inbox = message.conversation.inbox
        to = message.conversation.customer.phone
        if not to:
            raise DeliveryError("the customer has no phone number", permanent=True)
        if not inbox.setting("access_token") or not inbox.setting("phone_number_id"):
            raise DeliveryError("the inbox has no WhatsApp access token", permanent=True)
        return outbound.send(inbox.config, to, message)
