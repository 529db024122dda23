"""Settings → Canned replies, and the reply box's picker (mounted at the site root)."""

from django.urls import path

from rapport.replies.views import picker, settings

urlpatterns = [
    path(
        "settings/canned-replies/",
        settings.canned_reply_list,
        name="settings_canned_replies",
    ),
    path(
        "settings/canned-replies/new",
        settings.canned_reply_new,
        name="settings_canned_reply_new",
    ),
    path(
        "settings/canned-replies/preview",
        settings.canned_reply_preview,
        name="settings_canned_reply_preview",
    ),
    path(
        "settings/canned-replies/<int:reply_id>",
        settings.canned_reply_edit,
        name="settings_canned_reply",
    ),
    path(
        "settings/canned-replies/<int:reply_id>/delete",
        settings.canned_reply_delete,
        name="settings_canned_reply_delete",
    ),
    path(
        "conversations/<int:conversation_id>/canned",
        picker.offered,
        name="conversation_canned_replies",
    ),
    path(
        "conversations/<int:conversation_id>/canned/<int:reply_id>",
        picker.filled,
        name="conversation_canned_reply",
    ),
]
