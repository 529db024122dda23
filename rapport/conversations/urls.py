"""The agent app's inbox, conversation, mention and attachment pages."""

from django.urls import path

from rapport.conversations.views import compose, conversation, files, inbox, mentions, properties

urlpatterns = [
    path("", inbox.home, name="home"),
    path("inbox", inbox.inbox, name="inbox"),
    path("mentions", mentions.mentions, name="mentions"),
    path("conversations/<int:conversation_id>", conversation.conversation, name="conversation"),
    path(
        "conversations/<int:conversation_id>/messages/<int:message_id>",
        conversation.message,
        name="conversation_message",
    ),
    path("conversations/<int:conversation_id>/reply", compose.reply, name="conversation_reply"),
    path("conversations/<int:conversation_id>/note", compose.note, name="conversation_note"),
    path(
        "conversations/<int:conversation_id>/messages/<int:message_id>/retry",
        compose.retry,
        name="conversation_retry",
    ),
    path(
        "conversations/<int:conversation_id>/assign",
        properties.assign,
        name="conversation_assign",
    ),
    path(
        "conversations/<int:conversation_id>/status",
        properties.status,
        name="conversation_status",
    ),
    path(
        "conversations/<int:conversation_id>/priority",
        properties.priority,
        name="conversation_priority",
    ),
    path("conversations/<int:conversation_id>/tags", properties.tags, name="conversation_tags"),
    path(
        "conversations/<int:conversation_id>/delete",
        properties.delete,
        name="conversation_delete",
    ),
    path("attachments/<int:attachment_id>", files.attachment, name="attachment"),
    # Public, for providers: a signed, expiring link to one reply attachment.
    path(
        "attachments/shared/<str:signed>/<str:name>",
        files.attachment_shared,
        name="attachment_shared",
    ),
]
