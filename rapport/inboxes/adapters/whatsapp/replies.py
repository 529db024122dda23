"""The reply box of a WhatsApp conversation: quick-reply buttons while the 24-hour window
is open, the template picker (with its variables) once it closed.

What the box posts is read here and handed to conversations' ``send_reply`` as the
reply's extras (``template`` or ``buttons``); ``send_reply`` itself refuses free text
outside the window, so no way of writing gets around it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse

from rapport.conversations.models import Conversation, Message
from rapport.core.errors import ValidationFailed
from rapport.inboxes.adapters.whatsapp.outbound import MAX_BUTTON_TITLE, MAX_BUTTONS, MAX_CAPTION
from rapport.inboxes.adapters.whatsapp.templates import Template, filled, stored_templates
from rapport.inboxes.channels import Reply


def send(reply: Reply, plain: Callable[..., Message]) -> Message:
    if len(reply.attachments) > 1:
        raise ValidationFailed("WhatsApp takes one file per message: send the files one by one")
    chosen = str(reply.form.get("template", "")).strip()
    if chosen:
        template = find(reply.conversation, chosen)
        text, sent = filled(template, {k: str(v) for k, v in reply.form.items()})
        arguments = reply.arguments() | {"text": text, "attachments": ()}
        return plain(**arguments, extras={"template": sent})
    buttons = quick_replies(reply)
    if (buttons or reply.attachments) and len(reply.text.strip()) > MAX_CAPTION:
        with_what = "buttons" if buttons else "a file"
        raise ValidationFailed(
            f"WhatsApp takes at most {MAX_CAPTION:,} characters of text with {with_what}:"
            " shorten it, or send the text on its own"
        )
    return plain(**reply.arguments(), extras={"buttons": buttons} if buttons else None)


def quick_replies(reply: Reply) -> list[str]:
    titles = [
        " ".join(str(reply.form.get(f"button_{n}", "")).split()) for n in range(1, MAX_BUTTONS + 1)
    ]
    titles = [title for title in titles if title]
    for title in titles:
        if len(title) > MAX_BUTTON_TITLE:
            raise ValidationFailed(
                f"a button's title has at most {MAX_BUTTON_TITLE} characters (“{title[:40]}”)"
            )
    if titles and reply.attachments:
        raise ValidationFailed("buttons go with text only: send the file on its own")
    return titles


def find(conversation: Conversation, key: str) -> Template:
    for template in stored_templates(conversation.inbox.config):
        if template.key == key:
            return template
    raise ValidationFailed(
        "that template is not among the inbox's approved templates: refresh the list"
    )


def composer_context(conversation: Conversation) -> dict[str, Any]:
    inbox = conversation.inbox
    templates = stored_templates(inbox.config)
    return {
        "wa_templates": [t for t in templates if not t.unusable],
        "wa_unusable": [t for t in templates if t.unusable],
        "wa_templates_fetched": bool(inbox.setting("templates_fetched_at")) or bool(templates),
        "wa_refresh_url": reverse("whatsapp_templates_refresh", args=[conversation.pk]),
        "wa_max_buttons": range(1, MAX_BUTTONS + 1),
        "wa_button_length": MAX_BUTTON_TITLE,
    }
