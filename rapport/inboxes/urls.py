"""Settings → Inboxes (included under /settings/inboxes by ``accounts.urls``)."""

from django.urls import path

from rapport.inboxes import views

urlpatterns = [
    path("", views.inbox_list, name="settings_inboxes"),
    path("new", views.inbox_new, name="settings_inbox_new"),
    path("<int:inbox_id>", views.inbox_edit, name="settings_inbox"),
]
