"""The e-mail channel: mailboxes over IMAP, the SMTP listener or provider webhooks; replies
through the inbox's SMTP server or the site's, with CC and threading headers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.http import HttpRequest

from rapport.conversations.models import Conversation, Message
from rapport.inboxes.adapters.email import adapter
from rapport.inboxes.adapters.email.clean import clean_email
from rapport.inboxes.adapters.email.forms import EmailSettingsForm, email_initial
from rapport.inboxes.adapters.email.models import EmailDetails
from rapport.inboxes.adapters.email.settings_views import KIND, settings_context, urlpatterns
from rapport.inboxes.channels import Channel, Composer, Reply, SettingsTab
from rapport.inboxes.models import Inbox
from rapport.outbox.models import Delivery
from rapport.outbox.senders import Handed


class EmailChannel(Channel):
    kind = KIND
    label = "E-mail"
    icon = "mail"
    tint = ("#e7f6ee", "#0e8a4f")
    pick = ("An e-mail inbox", "IMAP, SMTP or provider webhooks")
    address_kind = "email"
    settings_form = EmailSettingsForm
    settings_tab = SettingsTab(
        label="E-mail settings",
        template="email_channel/settings.html",
        noun="e-mail",
        pointer="Mailbox, sending and webhooks",
    )
    composer = Composer(cc=True)
    status_template = "email_channel/_connection_status.html"
    url_prefix = "email"

    def clean_config(
        self, values: Mapping[str, Any], previous: Mapping[str, Any]
    ) -> dict[str, Any]:
        return clean_email(values, previous)

    def initial(self, inbox: Inbox) -> dict[str, Any]:
        return email_initial(inbox.config)

    def problems(self, inbox_ids: list[int]) -> dict[int, object]:
        """Mailboxes whose fetching or sending is failing, with the error and since when."""
        from rapport.inboxes.adapters.email import health

        return dict(health.statuses(inbox_ids))

    def settings_context(self, request: HttpRequest, inbox: Inbox | None) -> dict[str, Any]:
        return settings_context(inbox)

    def inbound_urls(self) -> list[Any]:
        from rapport.inboxes.adapters.email.urls import urlpatterns as inbound

        return list(inbound)

    def settings_urls(self) -> list[Any]:
        return list(urlpatterns)

    def send_reply(self, reply: Reply, plain: Callable[..., Message]) -> Message:
        """E-mail replies carry the CC the agent typed."""
        from rapport.conversations.forms import parse_cc
        from rapport.inboxes.adapters.email.actions import send_email_reply

        return send_email_reply(**reply.arguments(), cc=parse_cc(reply.form))

    def composer_context(
        self, conversation: Conversation, messages_list: list[Message] | None
    ) -> dict[str, Any]:
        """The CC field, filled like "reply all" from the last mail's CC.

        The page passes its timeline (e-mail details already joined); a partial update
        after a reply or note reads just the last e-mail's CC.
        """
        if messages_list is None:
            details = (
                EmailDetails.objects.filter(message__conversation=conversation)
                .only("cc")
                .order_by("-message_id")
                .first()
            )
        else:
            with_email = [m.email for m in messages_list if _has_email(m)]
            details = with_email[-1] if with_email else None
        return {"reply_cc": _others(details, conversation)}

    def send(self, delivery: Delivery, message: Message) -> str | Handed:
        return adapter.EmailAdapter().send(delivery, message)


def _has_email(message: Message) -> bool:
    # select_related("email") caches None for messages without details: no query here.
    return getattr(message, "email", None) is not None


def _others(details: EmailDetails | None, conversation: Conversation) -> list[str]:
    """The last mail's CC without our own addresses (they would copy us on our own reply)."""
    if details is None:
        return []
    ours = {address.lower() for address in conversation.inbox.setting("addresses", [])}
    return [address for address in details.cc if address.lower() not in ours]
