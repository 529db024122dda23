"""The settings pages' way to the inbox they show: ``selectors.access_inbox_settings``,
with its answers turned into the pages' own (Django's 404 page, the 403 page)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest

from rapport.accounts.views.common import admin
from rapport.core.errors import NotFound, PermissionDenied
from rapport.inboxes.models import Inbox
from rapport.inboxes.selectors import access_inbox_settings


def settings_inbox(request: HttpRequest, inbox_id: int, kind: str | None = None) -> Inbox:
    try:
        return access_inbox_settings(admin(request), inbox_id, kind)
    except NotFound as error:
        raise Http404(error.message) from None
    except PermissionDenied as error:
        raise DjangoPermissionDenied(error.message) from None
