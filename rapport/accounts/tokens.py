"""API tokens: ``rpt_<prefix>_<secret>``. The prefix finds the row; the secret's hash proves it."""

from __future__ import annotations

import copy
import hashlib
import hmac
import secrets
import threading
import time
from datetime import timedelta

from django.utils import timezone

from rapport.accounts.models import ApiToken, User

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
_verified_lock = threading.Lock()


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; the returned plain text is shown once and never stored."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=prefix, secret_hash=_hash(secret)
    )
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
    """The active user behind a token, or None for anything malformed, unknown or revoked."""
    key = _hash(raw)
    remembered = _verified.get(key)
    if remembered is not None and time.monotonic() < remembered[0]:
        # A copy: code may cache per-request facts on the user (visible_inbox_ids).
        return copy.copy(remembered[1])
    user = _look_up(raw)
    if user is not None:
        with _verified_lock:
            if len(_verified) >= VERIFIED_MAX:
                _verified.clear()
            _verified[key] = (time.monotonic() + VERIFIED_FOR, copy.copy(user))
    return user


def _look_up(raw: str) -> User | None:
    scheme, _, rest = raw.partition("_")
    prefix, _, secret = rest.partition("_")
    if scheme != SCHEME or not prefix or not secret:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(prefix=prefix, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(secret)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
