from django.urls import include, path

from rapport.config.api import api
from rapport.core.views import healthz

urlpatterns = [
    path("api/", api.urls),
    path("healthz", healthz, name="healthz"),
    path("f/", include("rapport.inboxes.adapters.webform.urls")),
    path("email/", include("rapport.inboxes.adapters.email.urls")),
    path("chat/", include("rapport.inboxes.adapters.chat.urls")),
    path("", include("rapport.accounts.urls")),
    path("", include("rapport.conversations.urls")),
    path("", include("rapport.replies.urls")),
]

handler400 = "rapport.core.views.bad_request"
handler403 = "rapport.core.views.forbidden"
handler404 = "rapport.core.views.not_found"
handler500 = "rapport.core.views.server_error"
