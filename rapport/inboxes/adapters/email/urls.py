"""Mounted by the project at /email/ (see the report to the lead)."""

from django.urls import path

from rapport.inboxes.adapters.email import views, webhooks

urlpatterns = [
    path("messages/<int:message_id>/original", views.original, name="email_original"),
    path("messages/<int:message_id>/body", views.body, name="email_body"),
    path("messages/<int:message_id>/images", views.allow_images, name="email_images"),
    path("inboxes/<int:inbox_id>/test", views.connection_test, name="email_connection_test"),
    path("inbound/<str:provider>/<str:public_key>", webhooks.inbound, name="email_inbound"),
]
