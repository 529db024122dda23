"""Settings → Inboxes (included under /settings/inboxes by ``accounts.urls``)."""

from django.urls import path

from rapport.inboxes import views

urlpatterns = [
    path("", views.inbox_list, name="settings_inboxes"),
    path("new", views.inbox_new, name="settings_inbox_new"),
    path("new/email", views.email_new, name="settings_inbox_new_email"),
    path("new/email/test", views.email_test, name="settings_email_test_new"),
    path("new/chat", views.chat_new, name="settings_inbox_new_chat"),
    path("<int:inbox_id>", views.inbox_edit, name="settings_inbox"),
    path("<int:inbox_id>/email", views.email_settings, name="settings_inbox_email"),
    path("<int:inbox_id>/email/test", views.email_test, name="settings_email_test"),
    path(
        "<int:inbox_id>/email/mail/<int:raw_id>/retry",
        views.email_retry,
        name="settings_email_retry",
    ),
    path("<int:inbox_id>/chat", views.chat_settings, name="settings_inbox_chat"),
    path("<int:inbox_id>/chat/try", views.chat_try, name="settings_inbox_chat_try"),
]
