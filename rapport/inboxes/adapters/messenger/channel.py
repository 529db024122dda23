"""Facebook Messenger: a Facebook Page's messages, through a Meta app's webhooks.

Customers are known by their page-scoped id (PSID, the identity kind ``messenger_psid``);
their names are asked of the Graph API once, by a job, when a new customer's first
conversation is stored (``tasks.py``). Meta
posts messages, button presses, deliveries and reads to the inbox's webhook URL (signed
``X-Hub-Signature-256``: ``adapters/meta.py``), stored first (``inboxes/inbound.py``).
Replies go through the Send API within Meta's messaging window (``window.py``).
Instagram messaging uses the same platform and subclasses this (``adapters/instagram``).
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.http import HttpRequest
from django.utils import timezone

from rapport.conversations.inbound import InboundMessage
from rapport.conversations.models import Conversation, DeliveryStatus, Message
from rapport.core.errors import ValidationFailed
from rapport.customers.addresses import AddressKind
from rapport.customers.models import Identity
from rapport.inboxes.adapters.messenger import events, graph, media, outbound
from rapport.inboxes.adapters.messenger.window import (
    CLOSED,
    HUMAN_AGENT,
    MessagingWindow,
    window_for,
)
from rapport.inboxes.adapters.meta import MetaChannel
from rapport.inboxes.channels import (
    ChannelSettingsForm,
    Composer,
    Reply,
    ReplyWindow,
    SettingsTab,
    StatusUpdate,
    secret_field,
)
from rapport.inboxes.models import Inbox
from rapport.outbox.errors import DeliveryError
from rapport.outbox.models import Delivery

logger = logging.getLogger(__name__)

DIGITS = RegexValidator(r"^[0-9]{1,32}$", "the id is a number (digits only)")
# The delivery statuses a status from Meta moves a reply on from.
BEHIND = {
    "delivered": [DeliveryStatus.QUEUED, DeliveryStatus.SENT],
    "read": [DeliveryStatus.QUEUED, DeliveryStatus.SENT, DeliveryStatus.DELIVERED],
}


class MessengerSettingsForm(ChannelSettingsForm):
    """The Page, its token and the app's secrets; checked against the Graph API on save."""

    what = "Page"  # what the id names, in the check's words
    check_fields = "name"  # GET /<id>?fields=… proves the token may read it

    page_id = forms.CharField(
        max_length=32,
        label="Page id",
        validators=[DIGITS],
        help_text="The Facebook Page's id: on the Page, About → Page transparency.",
    )
    page_token = secret_field(
        "Page access token",
        max_length=1000,
        help_text="From the Meta app's dashboard (Messenger → Access tokens), for this Page."
        " Left empty, the stored one is kept.",
    )
    app_secret = secret_field(
        "App secret",
        help_text="The Meta app's secret (App settings → Basic): checks that webhooks come"
        " from Meta. Left empty, the stored one is kept.",
    )
    verify_token = forms.CharField(
        required=False,
        max_length=200,
        label="Verify token",
        help_text="Pasted into the Meta app with the webhook URL. Left empty, Rapport makes one.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.account_name = ""
        if self.errors:
            return data
        token = str(data.get("page_token") or "").strip() or str(self.stored.get("page_token", ""))
        if not token:
            raise forms.ValidationError(
                "The Page access token is needed (Meta app's dashboard → Messenger → Access"
                " tokens)."
            )
        page_id = str(data["page_id"]).strip()
        try:
            found = graph.get(page_id, token, self.check_fields)
        except graph.GraphError as error:
            raise forms.ValidationError(graph.check_words(error, self.what, page_id)) from None
        self.account_name = str(found.get("name") or found.get("username") or "")[:200]
        return data

    def config(self) -> dict[str, Any]:
        return {**super().config(), "page_name": getattr(self, "account_name", "")}


class MessengerChannel(MetaChannel):
    kind = "messenger"
    label = "Messenger"
    icon, tint = "message", ("#eceefe", "#4b4fd6")
    pick = ("A Facebook Page", "Messenger conversations with your Page")
    address_kind = "messenger_psid"
    address = AddressKind("messenger_psid", "Messenger", "message", events.normalize_scoped_id)
    settings_form = MessengerSettingsForm
    settings_tab = SettingsTab(
        label="Messenger settings",
        template="inboxes/settings/meta.html",
        noun="Messenger",
        pointer="The Page, its access token and the Meta app's secrets",
        after_create=": paste the webhook URL and verify token into the Meta app",
    )
    composer = Composer(
        max_length=2000,
        hint="Plain text · a last line “Quick replies: Yes | No” adds buttons",
    )
    object_name = "page"  # the webhook post's "object"
    subscribe = "messages, messaging_postbacks, message_deliveries, message_reads"
    profile_fields = "first_name,last_name"  # the customer's name, from the Graph API
    fetches_files = True  # files are fetched and kept (Instagram's stay with Meta)

    # Settings -----------------------------------------------------------------------

    def clean_config(
        self, values: Mapping[str, Any], previous: Mapping[str, Any]
    ) -> dict[str, Any]:
        page_id = str(values.get("page_id") or "").strip()
        if not page_id.isascii() or not page_id.isdigit():
            raise ValidationFailed(f"the {self.label} id is a number (digits only)")
        token = str(values.get("page_token") or "").strip() or str(previous.get("page_token", ""))
        if not token:
            raise ValidationFailed("the Page access token is needed (in the Meta app's dashboard)")
        verify = str(values.get("verify_token") or "").strip() or str(
            previous.get("verify_token", "")
        )
        secrets_ = self.clean_secrets(
            {**values, "verify_token": verify or secrets.token_urlsafe(24)}, previous
        )
        name = str(values.get("page_name") or "") or str(previous.get("page_name", ""))
        same_page = previous.get("page_id") == page_id
        return {
            "page_id": page_id,
            "page_token": token,
            "page_name": name if (values.get("page_name") or same_page) else "",
            **secrets_,
        }

    def initial(self, inbox: Inbox) -> dict[str, Any]:
        hidden = ("page_token", "app_secret")
        return {k: v for k, v in inbox.config.items() if k not in hidden}

    def settings_context(self, request: HttpRequest, inbox: Inbox | None) -> dict[str, Any]:
        if inbox is None:
            return {}
        return {
            "verify_token": inbox.setting("verify_token", ""),
            "page_name": inbox.setting("page_name", ""),
            "subscribe": self.subscribe,
        }

    # Inbound ------------------------------------------------------------------------

    def shape(self, inbox: Inbox) -> events.Post:
        return events.Post(self.object_name, str(inbox.setting("page_id", "")), self.address_kind)

    def request_key(self, request: HttpRequest, inbox: Inbox, body: bytes) -> str:
        return events.request_key(body, self.object_name, str(inbox.setting("page_id", "")))

    def parse(
        self, request: HttpRequest, inbox: Inbox, body: bytes
    ) -> Sequence[InboundMessage | StatusUpdate]:
        return events.parse(body, self.shape(inbox), self._sent_before(inbox))

    def _sent_before(self, inbox: Inbox) -> events.SentBefore:
        """Meta's watermark: the ids of this inbox's replies to one person sent before a time
        and not yet at the status."""

        def find(scoped_id: str, at: datetime, status: str) -> list[str]:
            rows = Delivery.objects.filter(
                inbox=inbox,
                kind="reply",
                message__created_at__lte=at,
                message__delivery_status__in=BEHIND[status],
                message__conversation__customer__identities__kind=self.address_kind,
                message__conversation__customer__identities__address=scoped_id,
            ).exclude(external_id="")
            return list(rows.values_list("external_id", flat=True)[:200])

        return find

    def complete(self, inbox: Inbox, message: InboundMessage) -> InboundMessage:
        """The files fetched, a deleted message quoted."""
        event = message.raw if isinstance(message.raw, dict) else {}
        body = event.get("message")
        body = body if isinstance(body, dict) else {}
        text, files = message.text, list(message.attachments)
        if body.get("is_deleted"):
            text = self._deleted(inbox, str(body.get("mid", "")), text)
        elif self.fetches_files and body.get("attachments"):
            fetched = media.fetch_files(body)
            files.extend(fetched.files)
            text = "\n".join([text, *fetched.notes])
        # The sender's name is not asked here: that needed a look-up of the sender on every
        # message to tell a new one; ``tasks.py`` asks once the new customer is stored.
        return dataclasses.replace(message, text=text, attachments=files)

    def _deleted(self, inbox: Inbox, mid: str, text: str) -> str:
        """The note of an unsent message, quoting it when it was received."""
        original = (
            Message.objects.filter(inbox=inbox, external_id=mid)
            .values_list("text", flat=True)
            .first()
        )
        if not original:
            return text
        quote = original if len(original) <= 200 else original[:199] + "…"
        return f"The customer deleted (unsent) their message: “{quote}”"

    def customer_name(self, inbox: Inbox, scoped_id: str) -> str:
        """The customer's name from their Graph API profile; "" when Meta does not say
        (asked by a job once a new customer is stored: ``tasks.py``)."""
        token = str(inbox.setting("page_token", ""))
        try:
            found = graph.get(scoped_id, token, self.profile_fields)
        except graph.GraphError as error:
            logger.info("no %s name for %s: %s", self.label, scoped_id, error)
            return ""
        return self.name_of(found)

    def name_of(self, profile: dict[str, Any]) -> str:
        first, last = profile.get("first_name"), profile.get("last_name")
        parts = [p for p in (first, last) if isinstance(p, str) and p.strip()]
        return " ".join(parts)[:200]

    # The messaging window ------------------------------------------------------------

    def messaging_window(self, conversation: Conversation) -> MessagingWindow:
        """When the customer last wrote to this inbox and until when a reply may go out:
        ``standard_until`` (24 h, a plain response) and ``human_agent_until`` (7 days,
        tagged HUMAN_AGENT); ``.state(now)`` is open, human_agent or closed."""
        return window_for(conversation)

    def reply_window(self, conversation: Conversation) -> ReplyWindow:
        """The contract's window (the reply box's timer, ``send_reply``'s refusal): an
        agent may write for 7 days after the customer's last message (past 24 hours the
        reply goes tagged HUMAN_AGENT); after that nothing can be sent."""
        window = self.messaging_window(conversation)
        return ReplyWindow(
            closes_at=window.human_agent_until, after="", allowed_after=(), length=HUMAN_AGENT
        )

    def send_reply(self, reply: Reply, plain: Callable[..., Message]) -> Message:
        window = self.messaging_window(reply.conversation)
        if window.state(timezone.now()) == CLOSED:
            raise ValidationFailed(window.refusal(self.label))
        return plain(**reply.arguments())

    # Outbound -----------------------------------------------------------------------

    def send(self, delivery: Delivery, message: Message) -> str:
        conversation = message.conversation
        inbox = conversation.inbox
        token = str(inbox.setting("page_token", ""))
        if not token:
            raise DeliveryError("the inbox has no Page access token", permanent=True)
        recipient = (
            Identity.objects.filter(customer_id=conversation.customer_id, kind=self.address_kind)
            .values_list("address", flat=True)
            .first()
        )
        if recipient is None:
            raise DeliveryError(f"the customer has no {self.label} id", permanent=True)
        window = self.messaging_window(conversation)
        fields = window.send_fields(timezone.now())
        if fields is None:
            raise DeliveryError(window.refusal(self.label), permanent=True)
        text, quick_replies = outbound.split_quick_replies(message.text)
        outgoing = outbound.Outgoing(text, quick_replies, list(message.attachments.all()))
        return self.sender(inbox, token, recipient, fields).send(outgoing)

    def sender(
        self, inbox: Inbox, token: str, recipient: str, fields: dict[str, Any]
    ) -> outbound.Sender:
        return outbound.Sender(f"{inbox.setting('page_id')}/messages", token, recipient, fields)
