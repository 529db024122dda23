"""Settings → Inboxes (included under /settings/inboxes by ``accounts.urls``).

Each channel's pages are mounted beside these by the root URLs (``config/urls.py``): its
settings tab and new-inbox page (``channel_pages``, named after the kind, as
``settings_inbox_email``) and its own extra pages (``Channel.settings_urls``).
"""

from django.urls import URLPattern, path

from rapport.inboxes import views
from rapport.inboxes.channels import Channel

urlpatterns = [
    path("", views.inbox_list, name="settings_inboxes"),
    path("new", views.inbox_new, name="settings_inbox_new"),
    path("<int:inbox_id>", views.inbox_edit, name="settings_inbox"),
]


def channel_pages(channel: Channel) -> list[URLPattern]:
    """A channel's settings tab and new-inbox page, for channels that have a tab."""
    if channel.settings_tab is None:
        return []
    kind = {"kind": channel.kind}
    return [
        path(f"new/{channel.kind}", views.channel_new, kind, f"settings_inbox_new_{channel.kind}"),
        path(
            f"<int:inbox_id>/{channel.kind}",
            views.channel_settings,
            kind,
            f"settings_inbox_{channel.kind}",
        ),
    ]
