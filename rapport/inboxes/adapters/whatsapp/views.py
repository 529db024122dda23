"""The reply box's Refresh of a WhatsApp inbox's approved templates."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from rapport.conversations.selectors import access_conversation, can_change
from rapport.conversations.views.common import agent, agent_page, done
from rapport.conversations.views.context import composer_context
from rapport.core.errors import PermissionDenied, ValidationFailed
from rapport.inboxes.actions import remember_provider_data
from rapport.inboxes.adapters.whatsapp import graph, templates


@require_POST
@agent_page
def refresh_templates(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Fetch the approved templates again and show the fresh reply box."""
    user = agent(request)
    conversation = access_conversation(user, conversation_id)
    if not (can_change(user, conversation) and user.can_reply):
        raise PermissionDenied("only agents of this inbox can load its templates")
    if conversation.inbox.kind != "whatsapp":
        raise ValidationFailed("this conversation is not in a WhatsApp inbox")
    inbox = conversation.inbox
    try:
        found = templates.fetch(
            str(inbox.setting("business_account_id", "")), str(inbox.setting("access_token", ""))
        )
    except graph.GraphError as error:
        raise ValidationFailed(
            f"The templates could not be loaded from WhatsApp: {error.words}"
        ) from None
    remember_provider_data(inbox=inbox, values=templates.as_config(found))
    conversation.inbox = inbox
    note = f"Loaded {len(found)} approved template{'s' if len(found) != 1 else ''}"
    return done(request, conversation, note, fresh_composer=True, **composer_context(conversation))
