"""The live-chat channel: a widget on the business's website, over a websocket or HTTP.

Visitors are known by their widget session (``visitor`` identities); agents' replies are
pushed to the visitor's open widgets, or e-mailed when they have left (``adapter.ChatAdapter``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from rapport.conversations.models import Conversation, Message
from rapport.inboxes.adapters.chat import adapter
from rapport.inboxes.adapters.chat.clean import clean_chat
from rapport.inboxes.adapters.chat.forms import ChatSettingsForm, chat_initial
from rapport.inboxes.adapters.chat.serializers import visitor_message
from rapport.inboxes.adapters.chat.settings_views import KIND, embed_snippet
from rapport.inboxes.channels import Channel, Composer, SettingsTab
from rapport.inboxes.models import Inbox
from rapport.outbox.models import Delivery
from rapport.outbox.senders import Handed


class ChatChannel(Channel):
    kind = KIND
    label = "Live chat"
    icon = "message"
    tint = ("#fff4e0", "#b45309")
    pick = ("A live chat widget", "One script tag on your website")
    replies_by_email = True
    address_kind = "visitor"
    settings_form = ChatSettingsForm
    settings_tab = SettingsTab(
        label="Chat widget",
        template="chat_channel/settings.html",
        noun="chat",
        pointer="The widget's looks, hours, snippet and identity secret",
        after_create=": paste the snippet below",
    )
    live = True
    url_prefix = "chat"
    # Whether the visitor is in the chat, so the agent knows where the reply goes.
    composer = Composer(extras_template="chat_channel/_composer.html")

    def clean_config(
        self, values: Mapping[str, Any], previous: Mapping[str, Any]
    ) -> dict[str, Any]:
        return clean_chat(values, previous)

    def initial(self, inbox: Inbox) -> dict[str, Any]:
        return chat_initial(inbox.greeting, inbox.config)

    def settings_context(self, request: HttpRequest, inbox: Inbox | None) -> dict[str, Any]:
        if inbox is None:
            return {}
        return {
            "snippet": embed_snippet(inbox),
            "identity_secret": inbox.setting("identity_secret", ""),
        }

    def inbound_urls(self) -> list[Any]:
        from rapport.inboxes.adapters.chat.urls import urlpatterns

        return list(urlpatterns)

    def settings_urls(self) -> list[Any]:
        from django.urls import path

        from rapport.inboxes.adapters.chat.settings_views import chat_try

        return [path("<int:inbox_id>/chat/try", chat_try, name="settings_inbox_chat_try")]

    def composer_context(
        self, conversation: Conversation, messages_list: list[Message] | None
    ) -> dict[str, Any]:
        return {"reply_route": adapter.reply_route(conversation)}

    def live_groups(self, conversation: Conversation) -> list[str]:
        return adapter.visitor_groups(conversation)

    def live_message(self, message: Message) -> dict[str, object]:
        return visitor_message(message)

    def send(self, delivery: Delivery, message: Message) -> str | Handed:
        return adapter.ChatAdapter().send(delivery, message)
