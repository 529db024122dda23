"""Instagram direct messages, through the Messenger Platform (a Page linked to the account).

Everything is Messenger's (``adapters/messenger``) but what differs: posts come with
``object: instagram`` and the Instagram account's id on each entry; customers are known by
their Instagram-scoped id (``instagram_id``) and named by ``name`` / ``username``; story
replies (``reply_to.story``) and story mentions (an attachment ``story_mention``) are shown
with the story's link. Files stay with Meta, shown as their links: Meta's terms for
Instagram forbid storing the media people send (its CDN links are privacy-aware and stop
working when the story or message is deleted). Replies go to ``/me/messages`` with the
Page token (the documented Send API call); files are uploaded first
(``/me/message_attachments``, ``platform=instagram``) and sent by the id Meta returns.
"""

from __future__ import annotations

from typing import Any

from django import forms

from rapport.conversations.models import Attachment
from rapport.customers.addresses import AddressKind
from rapport.inboxes.adapters.messenger import graph, outbound
from rapport.inboxes.adapters.messenger.channel import MessengerChannel, MessengerSettingsForm
from rapport.inboxes.adapters.messenger.events import normalize_scoped_id
from rapport.inboxes.channels import Composer, SettingsTab
from rapport.inboxes.models import Inbox


class InstagramSettingsForm(MessengerSettingsForm):
    what = "Instagram account"
    check_fields = "name,username"

    page_id = forms.CharField(
        max_length=32,
        label="Instagram account id",
        validators=MessengerSettingsForm.base_fields["page_id"].validators,
        help_text="The Instagram professional account's id (Meta Business Suite → Settings →"
        " Instagram accounts), linked to the Facebook Page whose token is below.",
    )


class InstagramSender(outbound.Sender):
    def send_file(self, attachment: Attachment) -> str:
        """Upload (``platform=instagram``), then send by the attachment id."""
        kind = outbound.attachment_type(attachment.content_type)
        form = {
            "platform": "instagram",
            "message": {"attachment": {"type": kind, "payload": {"is_reusable": False}}},
        }
        uploaded = graph.post(
            "me/message_attachments", self.token, form=form, file=outbound.read_file(attachment)
        )
        attachment_id = uploaded.get("attachment_id")
        if not isinstance(attachment_id, str | int) or not attachment_id:
            raise graph.GraphError(200, "Meta's answer to the upload holds no attachment id")
        message = {"attachment": {"type": kind, "payload": {"attachment_id": str(attachment_id)}}}
        return self.post(body=self._body(message))


class InstagramChannel(MessengerChannel):
    kind = "instagram"
    label = "Instagram"
    icon, tint = "message", ("#fdebf3", "#b5307a")
    pick = ("An Instagram account", "Direct messages, story replies and mentions")
    address_kind = "instagram_id"
    address = AddressKind("instagram_id", "Instagram", "message", normalize_scoped_id)
    settings_form = InstagramSettingsForm
    settings_tab = SettingsTab(
        label="Instagram settings",
        template="inboxes/settings/meta.html",
        noun="Instagram",
        pointer="The Instagram account, the Page's access token and the Meta app's secrets",
        after_create=": paste the webhook URL and verify token into the Meta app",
    )
    # Meta takes at most 1000 bytes of text on Instagram; the box counts characters.
    composer = Composer(
        max_length=1000,
        hint="Plain text · a last line “Quick replies: Yes | No” adds buttons",
    )
    object_name = "instagram"
    subscribe = "messages, messaging_postbacks, messaging_seen"
    profile_fields = "name,username"
    fetches_files = False

    def name_of(self, profile: dict[str, Any]) -> str:
        name, username = profile.get("name"), profile.get("username")
        if isinstance(name, str) and name.strip():
            return name.strip()[:200]
        return f"@{username}"[:200] if isinstance(username, str) and username else ""

    def sender(
        self, inbox: Inbox, token: str, recipient: str, fields: dict[str, Any]
    ) -> outbound.Sender:
        return InstagramSender("me/messages", token, recipient, fields)
