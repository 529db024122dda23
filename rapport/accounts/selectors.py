"""Reads about staff with their permission rules: which API tokens someone may see."""

from __future__ import annotations

from django.db.models import QuerySet

from rapport.accounts.models import ApiToken, User
from rapport.core.errors import NotFound


def visible_api_tokens(user: User) -> QuerySet[ApiToken]:
    """Admins see every token; everyone else the tokens acting as them or made by them.
    An inbox-limited token counts as less than an admin: it sees only its user's."""
    tokens = ApiToken.objects.select_related("user", "created_by").prefetch_related("inboxes")
    if user.is_admin and user.inbox_limit is None:
        return tokens
    return tokens.filter(user=user) | tokens.filter(created_by=user)


def access_api_token(user: User, token_id: int) -> ApiToken:
    """The token, if ``user`` may see it; otherwise NotFound (never reveal that it exists)."""
    token = visible_api_tokens(user).filter(pk=token_id).first()
    if token is None:
        raise NotFound(f"API token {token_id} not found")
    return token
