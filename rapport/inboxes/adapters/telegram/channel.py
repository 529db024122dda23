"""Telegram bots: customers write to the business's bot (made with @BotFather) in a private
chat; agents' replies leave through the Bot API.

On save the settings check the token (``getMe``, which also gives the bot's @username) and
register the inbox's webhook URL with ``setWebhook``, with a random ``secret_token`` that
Telegram sends back in ``X-Telegram-Bot-Api-Secret-Token`` on every update (``verify``).
Updates are stored first (``inboxes/inbound.py``, one row per ``update_id``); their files
are downloaded and button presses acknowledged in the job (``complete``).
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from rapport.conversations.inbound import InboundMessage
from rapport.conversations.models import Message
from rapport.core.errors import ValidationFailed
from rapport.customers.addresses import AddressKind
from rapport.customers.models import Identity
from rapport.inboxes.adapters.telegram import api, media, outbound, updates
from rapport.inboxes.channels import (
    Channel,
    ChannelSettingsForm,
    Composer,
    InboundRefused,
    SettingsTab,
    StatusUpdate,
    secret_field,
)
from rapport.inboxes.models import Inbox
from rapport.outbox.errors import DeliveryError
from rapport.outbox.models import Delivery

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 -- a header name
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
NOT_CONNECTED = {
    "ok": False,
    "words": "Not connected yet: save the bot token from @BotFather, and Rapport tells Telegram"
    " to send the bot's messages here.",
}


def normalize_user_id(value: str) -> str:
    """A Telegram user id: a positive whole number (up to 52 bits), written in digits."""
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 20:
        raise ValidationFailed(f"{value[:30]!r} is not a Telegram user id")
    return str(int(value))


class TelegramSettingsForm(ChannelSettingsForm):
    bot_token = secret_field(
        "Bot token",
        max_length=100,
        help_text="From @BotFather in Telegram: /newbot, or /token for a bot you have"
        " (123456789:AA…). Left empty, the stored one is kept.",
    )


class TelegramChannel(Channel):
    kind = "telegram"
    label = "Telegram"
    icon, tint = "send", ("#e6f3fb", "#1c7fbf")
    pick = ("A Telegram bot", "Private chats with your bot")
    address_kind = updates.ADDRESS_KIND
    address = AddressKind(updates.ADDRESS_KIND, "Telegram", "send", normalize_user_id)
    settings_form = TelegramSettingsForm
    settings_tab = SettingsTab(
        label="Telegram settings",
        template="telegram/settings.html",
        noun="Telegram",
        pointer="The bot and its webhook",
    )
    # Short: the reply box gives the hint a narrow column. A last line "Quick replies: A | B"
    # still becomes buttons (outbound.keyboard), as on Messenger.
    composer = Composer(max_length=outbound.MAX_TEXT, hint="Sent on Telegram")
    takes_webhooks = True
    max_inbound_bytes = 256 * 1024  # an Update is a few kilobytes; files are fetched apart
    kept_headers = (SECRET_HEADER,)

    # Settings -----------------------------------------------------------------------

    def clean_config(
        self, values: Mapping[str, Any], previous: Mapping[str, Any]
    ) -> dict[str, Any]:
        token = str(values.get("bot_token") or "").strip() or str(previous.get("bot_token", ""))
        if not token:
            raise ValidationFailed("the bot token is needed: @BotFather gives it to you")
        if ":" not in token or " " in token:
            raise ValidationFailed(
                "that is not a bot token: it looks like 123456789:AAE… (from @BotFather)"
            )
        bot = check_token(token)
        return {
            "bot_token": token,
            "bot_id": bot.get("id"),
            "bot_username": str(bot.get("username") or ""),
            "secret_token": secret_for(token, previous),
        }

    def initial(self, inbox: Inbox) -> dict[str, Any]:
        return {}  # the only field is the token, never shown back

    def webhook_url(self, inbox: Inbox) -> str:
        return settings.SITE_URL + reverse("channel_inbound", args=[self.kind, inbox.public_key])

    def connect(self, inbox: Inbox) -> str:
        """``setWebhook``: Telegram posts this inbox's updates to its URL, with the secret."""
        payload = {
            "url": self.webhook_url(inbox),
            "secret_token": inbox.setting("secret_token", ""),
            "allowed_updates": ALLOWED_UPDATES,
        }
        try:
            api.call(str(inbox.setting("bot_token", "")), "setWebhook", payload)
        except api.BotApiError as error:
            return (
                "Telegram did not take the webhook, so the bot's messages will not arrive"
                f" yet: {error.description}"
            )
        return ""

    def settings_context(self, request: HttpRequest, inbox: Inbox | None) -> dict[str, Any]:
        """The bot and its webhook's state instead of a URL to paste: Rapport registers
        the URL itself (``connect``)."""
        if inbox is None:
            return {}
        url = self.webhook_url(inbox)
        if inbox.setting("bot_token"):
            state = webhook_state(inbox, url)
        else:
            state = {**NOT_CONNECTED, "username": inbox.setting("bot_username", "")}
        return {"webhook_url": "", "telegram": state, "telegram_url": url}

    # Inbound ------------------------------------------------------------------------

    def verify(self, request: HttpRequest, inbox: Inbox, body: bytes) -> None:
        expected = str(inbox.setting("secret_token", ""))
        given = request.headers.get(SECRET_HEADER, "")
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            raise InboundRefused(f"the {SECRET_HEADER} is not this inbox's secret")

    def request_key(self, request: HttpRequest, inbox: Inbox, body: bytes) -> str:
        return f"update:{updates.update_id(updates.read_body(body))}"

    def parse(
        self, request: HttpRequest, inbox: Inbox, body: bytes
    ) -> Sequence[InboundMessage | StatusUpdate]:
        return updates.messages(updates.read_body(body))

    def answer(self, request: HttpRequest, inbox: Inbox, stored: int) -> HttpResponse:
        """An empty 200: Telegram would read a JSON body as a Bot API call to make."""
        return HttpResponse(status=200)

    def complete(self, inbox: Inbox, message: InboundMessage) -> InboundMessage:
        token = str(inbox.setting("bot_token", ""))
        raw = message.raw if isinstance(message.raw, dict) else {}
        if "callback_query" in raw:
            acknowledge_button(token, raw["callback_query"])
            return message
        files = updates.files_of(raw)
        if not files:
            return message
        fetched = media.fetch_all(token, files)
        text = "\n".join([message.text, *fetched.notes])
        return replace(message, text=text, attachments=fetched.files)

    # Outbound -----------------------------------------------------------------------

    def send(self, delivery: Delivery, message: Message) -> str:
        inbox = message.conversation.inbox
        token = str(inbox.setting("bot_token", ""))
        if not token:
            raise DeliveryError("the inbox has no Telegram bot token", permanent=True)
        chat_id = (
            Identity.objects.filter(
                customer_id=message.conversation.customer_id, kind=self.address_kind
            )
            .values_list("address", flat=True)
            .first()
        )
        if not chat_id:
            raise DeliveryError("the customer has no Telegram chat with the bot", permanent=True)
        return outbound.send(token, chat_id, message.text, list(message.attachments.all()))


def secret_for(token: str, previous: Mapping[str, Any]) -> str:
    """The webhook's secret: kept while the bot stays the same, so updates already on
    their way still verify; new for another bot, whose old webhook must not post here."""
    kept = str(previous.get("secret_token") or "")
    if kept and previous.get("bot_token") == token:
        return kept
    return secrets.token_urlsafe(32)


def check_token(token: str) -> dict[str, Any]:
    """``getMe``: the bot the token belongs to, or why the token does not work, plainly."""
    try:
        bot = api.call(token, "getMe", timeout=(5, 10))
    except api.BotApiError as error:
        if error.status in (401, 404):
            raise ValidationFailed(
                "Telegram does not know this bot token: copy it again from @BotFather"
                f" (Telegram said: {error.description})"
            ) from None
        raise ValidationFailed(f"Telegram could not check the token: {error.description}") from None
    if not isinstance(bot, dict) or not bot.get("is_bot"):
        raise ValidationFailed("Telegram's answer does not describe a bot")
    return bot


def acknowledge_button(token: str, query: dict[str, Any]) -> None:
    """Stop the spinner on the customer's button (a late or repeated answer is harmless)."""
    try:
        api.call(token, "answerCallbackQuery", {"callback_query_id": query.get("id", "")})
    except api.BotApiError as error:
        logger.info("answerCallbackQuery failed: %s", error.description)


def webhook_state(inbox: Inbox, url: str) -> dict[str, Any]:
    """What the settings tab says about the webhook, from ``getWebhookInfo``, in words."""
    state: dict[str, Any] = {"username": inbox.setting("bot_username", "")}
    try:
        info = api.call(str(inbox.setting("bot_token")), "getWebhookInfo", timeout=(3, 5))
    except api.BotApiError as error:
        return {**state, "ok": False, "words": f"Telegram could not be asked: {error.description}"}
    info = info if isinstance(info, dict) else {}
    if info.get("url") != url:
        where = f" (it posts to {info['url']})" if info.get("url") else ""
        words = f"Telegram does not post this bot's messages to this inbox{where}: save again."
        return {**state, "ok": False, "words": words}
    failure = str(info.get("last_error_message") or "")
    pending = info.get("pending_update_count") or 0
    if failure:
        words = f"Telegram's last delivery here failed: {failure}."
        if pending:
            words += f" {pending} updates are waiting."
        return {**state, "ok": False, "words": words}
    return {**state, "ok": True, "words": "Connected: Telegram posts the bot's messages here."}
