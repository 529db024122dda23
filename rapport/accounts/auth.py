"""The type of a request that passed the API's authentication (``rapport.config.api``)."""

from __future__ import annotations

from django.http import HttpRequest

from rapport.accounts.models import User


class AuthedRequest(HttpRequest):
    """A request that passed the API's authentication: ``auth`` is the staff member.

    Only a type for endpoint signatures; Ninja sets ``auth`` for token and session auth alike.
    """

    auth: User
