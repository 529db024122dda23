from django.urls import path

from rapport.inboxes.adapters.whatsapp.views import refresh_templates

urlpatterns = [
    path(
        "conversations/<int:conversation_id>/templates/refresh",
        refresh_templates,
        name="whatsapp_templates_refresh",
    ),
]
