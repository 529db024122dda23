"""API tokens: ``rpt_<prefix>_<secret>``. The prefix finds the row; the secret's hash proves it."""

from __future__ import annotations

import copy
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from rapport.accounts.models import ApiToken, TokenAccess, User

SCHEME = "rpt"
LAST_USED_RESOLUTION = timedelta(minutes=1)  # don't write on every request

# Integrations post many requests per second with one token; looking it up each time was
# ~17 % of an API-channel message. So a verified token is remembered in this process for
# a few seconds. Revoking a token or changing its user (role, deactivation) clears this
# process's memory at once (``forget_verified_tokens``); other processes notice within
# VERIFIED_FOR seconds.
VERIFIED_FOR = 5.0
VERIFIED_MAX = 1000  # tokens remembered at once; more are simply looked up again
_verified: dict[str, tuple[float, User]] = {}
# Methods a read-only token may use.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_verified_lock = threading.Lock()


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    *,
    user: User,
    name: str,
    created_by: User | None = None,
    access: str = TokenAccess.FULL,
    inbox_ids: Iterable[int] | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; the returned plain text is shown once and never stored.

    ``inbox_ids`` None: every inbox ``user`` sees; a list: only those (checked by the action).
    """
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        created_by=created_by or user,
        name=name[:100],
        prefix=prefix,
        secret_hash=_hash(secret),
        access=access,
        limited_to_inboxes=inbox_ids is not None,
        expires_at=expires_at,
    )
    if inbox_ids is not None:
        token.inboxes.set(list(inbox_ids))
    return token, f"{SCHEME}_{prefix}_{secret}"


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    forget_verified_tokens()


def forget_verified_tokens() -> None:
    with _verified_lock:
        _verified.clear()


def authenticate_token(raw: str) -> User | None:
    """The active user behind a token, with the token's scope set on it (``read_only``,
    ``inbox_limit``), or None for anything malformed, unknown, expired or revoked."""
    key = _hash(raw)
    remembered = _verified.get(key)
    if remembered is not None and time.monotonic() < remembered[0]:
        # A copy: code may cache per-request facts on the user (visible_inbox_ids).
        return copy.copy(remembered[1])
    found = _look_up(raw)
    if found is None:
        return None
    user, token = found
    remember_for = VERIFIED_FOR
    if token.expires_at is not None:  # never remembered past its expiry
        remember_for = min(remember_for, (token.expires_at - timezone.now()).total_seconds())
    with _verified_lock:
        if len(_verified) >= VERIFIED_MAX:
            _verified.clear()
        _verified[key] = (time.monotonic() + remember_for, copy.copy(user))
    return user


def _look_up(raw: str) -> tuple[User, ApiToken] | None:
    scheme, _, rest = raw.partition("_")
    prefix, _, secret = rest.partition("_")
    if scheme != SCHEME or not prefix or not secret:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user", "created_by")
        .filter(prefix=prefix, revoked_at__isnull=True, user__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(secret)):
        return None
    if not _creator_still_may(token):
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    user = token.user
    user.read_only = token.read_only
    user.token_expires_at = token.expires_at
    if token.limited_to_inboxes:
        user.inbox_limit = frozenset(token.inboxes.values_list("pk", flat=True))
    return user, token


def _creator_still_may(token: ApiToken) -> bool:
    """A token made by an admin for someone else works only while that admin is one."""
    creator = token.created_by
    if creator is None or creator.pk == token.user_id:  # None: made before creators were kept
        return True
    return creator.is_active and creator.is_admin


def refusal_for(user: User, method: str) -> str | None:
    """Why a token's scope refuses this request (checked in the API's auth), or None."""
    if user.read_only and method.upper() not in SAFE_METHODS:
        return "this API token is read-only: it may only read (GET), not change anything"
    return None


def carry_scope(source: User, target: User) -> None:
    """Put ``source``'s token scope on another copy of the same user read afresh."""
    target.inbox_limit = source.inbox_limit
    target.read_only = source.read_only
    target.token_expires_at = source.token_expires_at
