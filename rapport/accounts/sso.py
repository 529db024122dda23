"""Single sign-on through OpenID Connect (Authlib): the provider's client, and the action that
turns a verified ID token into a staff member (just in time, for allowed domains only).

Configured by environment variables (settings ``OIDC_*``); off when they are empty. Authlib
does the protocol: discovery, state, nonce, PKCE, the code exchange and the ID token's
signature (the provider's JWKS), issuer, audience and expiry.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.db import transaction

from rapport.accounts.models import User
from rapport.core import audit
from rapport.core.errors import PermissionDenied, ValidationFailed

WELL_KNOWN = "/.well-known/openid-configuration"
SCOPES = "openid email profile"

_clients: dict[tuple[str, str, str], Any] = {}
_clients_lock = threading.Lock()


@dataclass(frozen=True)
class SsoConfig:
    discovery_url: str
    client_id: str
    client_secret: str
    allowed_domains: tuple[str, ...]
    default_role: str
    provider_name: str


def config() -> SsoConfig | None:
    """The configuration from settings, or None when single sign-on is off."""
    url = settings.OIDC_DISCOVERY_URL
    if not url or not settings.OIDC_CLIENT_ID:
        return None
    if not url.rstrip("/").endswith(WELL_KNOWN):  # an issuer URL is accepted too
        url = url.rstrip("/") + WELL_KNOWN
    return SsoConfig(
        discovery_url=url,
        client_id=settings.OIDC_CLIENT_ID,
        client_secret=settings.OIDC_CLIENT_SECRET,
        allowed_domains=tuple(settings.OIDC_ALLOWED_DOMAINS),
        default_role=settings.OIDC_DEFAULT_ROLE,
        provider_name=settings.OIDC_PROVIDER_NAME,
    )


def client(sso: SsoConfig) -> Any:
    """Authlib's client for the provider, made once per configuration (it caches the
    provider's metadata and keys)."""
    key = (sso.discovery_url, sso.client_id, sso.client_secret)
    with _clients_lock:
        if key not in _clients:
            oauth = OAuth()
            _clients[key] = oauth.register(
                name="sso",
                client_id=sso.client_id,
                client_secret=sso.client_secret,
                server_metadata_url=sso.discovery_url,
                client_kwargs={"scope": SCOPES, "code_challenge_method": "S256"},
            )
        return _clients[key]


def sign_in_user(*, sso: SsoConfig, claims: dict[str, Any]) -> User:
    """The staff member for a verified ID token's claims: the seat with that e-mail, or a new
    one (``default_role``, no inboxes) when its domain is allowed."""
    email = _verified_email(claims)
    domain = email.rsplit("@", 1)[1]
    if domain not in sso.allowed_domains:
        raise PermissionDenied(
            f"{sso.provider_name} accounts at {domain} cannot sign in here; "
            "ask an admin to add the domain or to invite you"
        )
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        if not user.is_active:
            raise PermissionDenied("this seat is deactivated; ask an admin")
        return user
    name = str(claims.get("name") or claims.get("preferred_username") or email.split("@")[0])
    with transaction.atomic():
        user = User.objects.create_user(email, None, name=name[:150], role=sso.default_role)
        audit.record(
            actor=user, verb="agent.created", obj=user, email=email, role=user.role, via="sso"
        )
    return user


def _verified_email(claims: dict[str, Any]) -> str:
    email = str(claims.get("email") or "").strip().lower()
    if "@" not in email:
        raise ValidationFailed("the provider did not tell us your e-mail address")
    # A provider that says the address is unverified must not sign anyone into its seat.
    if claims.get("email_verified") is False:
        raise PermissionDenied(f"{email} is not verified at the provider")
    return email
