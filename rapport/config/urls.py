"""The site's URLs. Each channel's pages come from the channel registry: its public URLs
under /<url_prefix>/ and its extra settings pages under /settings/inboxes/.

``urlpatterns`` is built when Django first asks for it (a module ``__getattr__``), and
again after ``clear_url_caches()``: a channel registered later — a test's throw-away
channel — is then mounted like the others, with no file of the project changed.
"""

from django.urls import URLPattern, URLResolver, include, path

from rapport.config.api import api
from rapport.core.views import healthz
from rapport.inboxes import channels
from rapport.inboxes.inbound import inbound
from rapport.inboxes.urls import channel_pages

handler400 = "rapport.core.views.bad_request"
handler403 = "rapport.core.views.forbidden"
handler404 = "rapport.core.views.not_found"
handler500 = "rapport.core.views.server_error"


def channel_urls() -> list[URLPattern | URLResolver]:
    """Every registered channel's public URLs and settings pages."""
    mounted: list[URLPattern | URLResolver] = [
        path("channels/<slug:kind>/<str:public_key>", inbound, name="channel_inbound")
    ]
    for channel in channels.all_channels():
        if channel.url_prefix:
            mounted.append(path(f"{channel.url_prefix}/", include(channel.inbound_urls())))
        pages = [*channel_pages(channel), *channel.settings_urls()]
        mounted.append(path("settings/inboxes/", include(pages)))
    return mounted


def __getattr__(name: str) -> list[URLPattern | URLResolver]:
    if name != "urlpatterns":
        raise AttributeError(name)
    return [
        path("api/", api.urls),
        path("healthz", healthz, name="healthz"),
        *channel_urls(),
        path("", include("rapport.accounts.urls")),
        path("", include("rapport.conversations.urls")),
        path("", include("rapport.replies.urls")),
        path("", include("rapport.search.urls")),
        path("", include("rapport.customers.urls")),
    ]
