"""``{% load email_channel %}{% email_meta message %}``: the e-mail part of a message.

Renders nothing for messages of other channels. The conversation page can avoid one query
per message with ``select_related("email")`` on the timeline.
"""

from __future__ import annotations

from django import template
from django.core.exceptions import ObjectDoesNotExist

from rapport.conversations.models import Message
from rapport.inboxes.adapters.email.models import EmailDetails

register = template.Library()


def details_of(message: Message) -> EmailDetails | None:
    try:
        details: EmailDetails = message.email
    except ObjectDoesNotExist:
        return None
    return details


@register.inclusion_tag("email_channel/message_meta.html", takes_context=True)
def email_meta(context: template.Context, message: Message) -> dict[str, object]:
    return {"email": details_of(message), "csrf_token": context.get("csrf_token")}


@register.filter
def email_details(message: Message) -> EmailDetails | None:
    return details_of(message)
