"""Visitor tokens and identity verification.

A visitor token is a signed ``(inbox, identity kind, identity address)`` triple. The widget
keeps it in the visitor's localStorage and sends it in the ``Authorization`` header (never a
cookie, so no other site can ride on it). Whoever holds it sees that identity's chat history
in that inbox, nothing else.

A website that knows its user signs the user id with the inbox's secret
(``HMAC-SHA256(secret, user_id)``, like Intercom's identity verification). Only a matching
hash ties the visitor to an existing customer; without it a visitor is always a new,
anonymous identity, whatever e-mail address they claim.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.core import signing

from rapport.core.errors import PermissionDenied, ValidationFailed
from rapport.customers.identities import normalize_email
from rapport.customers.models import IdentityKind

SALT = "rapport.chat.visitor"
MAX_AGE_SECONDS = 400 * 24 * 3600  # a returning visitor keeps their history for a year or so
MAX_USER_ID = 200


@dataclass(frozen=True)
class Visitor:
    """Who is behind a widget: an identity (kind + address) in one chat inbox."""

    inbox_id: int
    kind: str
    address: str
    verified: bool

    @property
    def group(self) -> str:
        """The channel-layer group of this identity's websockets in this inbox."""
        return visitor_group(self.inbox_id, self.kind, self.address)


def visitor_group(inbox_id: int, kind: str, address: str) -> str:
    # Group names allow only a small alphabet, and an address must not leak into Redis keys.
    digest = hashlib.sha256(f"{kind}:{address}".encode()).hexdigest()[:32]
    return f"visitor.{inbox_id}.{digest}"


def issue_token(visitor: Visitor) -> str:
    payload = {
        "i": visitor.inbox_id,
        "k": visitor.kind,
        "a": visitor.address,
        "v": visitor.verified,
    }
    return signing.dumps(payload, salt=SALT, compress=True)


def read_token(token: str) -> Visitor:
    """The visitor a token stands for; PermissionDenied when it is forged, altered or too old."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
        return Visitor(
            inbox_id=int(payload["i"]),
            kind=str(payload["k"]),
            address=str(payload["a"]),
            verified=bool(payload["v"]),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise PermissionDenied("this chat session is not valid any more; please reload") from None


def anonymous_visitor(inbox_id: int) -> Visitor:
    return Visitor(
        inbox_id=inbox_id,
        kind=IdentityKind.VISITOR,
        address=f"anon:{secrets.token_urlsafe(18)}",
        verified=False,
    )


def user_hash(secret: str, user_id: str) -> str:
    """What the website computes on its server: hex HMAC-SHA256 of the user id."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def verified_visitor(*, inbox_id: int, secret: str, user_id: str, given_hash: str) -> Visitor:
    """The identity of a site user whose hash checks out; PermissionDenied otherwise.

    A user id that is an e-mail address is the customer's e-mail identity, so the visitor
    joins the customer who writes from that address on every other channel.
    """
    user_id = user_id.strip()
    if not user_id or len(user_id) > MAX_USER_ID or not user_id.isprintable():
        raise ValidationFailed(f"user_id must be 1 to {MAX_USER_ID} printable characters")
    if not secret:
        raise PermissionDenied("identity verification is not set up for this inbox")
    # compare_digest takes the same time wherever the strings differ: no timing oracle.
    expected = user_hash(secret, user_id).encode()
    if not hmac.compare_digest(expected, given_hash.strip().lower().encode()):
        raise PermissionDenied("the identity hash does not match this user")
    if "@" in user_id:
        return Visitor(inbox_id, IdentityKind.EMAIL, normalize_email(user_id), verified=True)
    return Visitor(inbox_id, IdentityKind.VISITOR, f"user:{inbox_id}:{user_id}", verified=True)
