"""The project's URLs plus the e-mail channel's at /email/ (until the lead mounts them)."""

from django.urls import include, path

from rapport.config.urls import urlpatterns as project_urls

urlpatterns = [
    *project_urls,
    path("email/", include("rapport.inboxes.adapters.email.urls")),
]
