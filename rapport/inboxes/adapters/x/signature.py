"""X's webhook security: the challenge-response check (CRC) and the signature of every
delivery. Both are ``sha256=`` + base64(HMAC-SHA256(the app's consumer secret, message)):
the message is the ``crc_token`` of X's GET for the CRC, the raw body for a POST, whose
signature comes in ``x-twitter-webhooks-signature``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

SIGNATURE_HEADER = "x-twitter-webhooks-signature"


def sign(consumer_secret: str, message: bytes) -> str:
    digest = hmac.new(consumer_secret.encode(), message, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def crc_response(consumer_secret: str, crc_token: str) -> dict[str, str]:
    """What X expects back from its CRC GET."""
    return {"response_token": sign(consumer_secret, crc_token.encode())}


def matches(consumer_secret: str, body: bytes, given: str) -> bool:
    """Whether ``given`` is X's signature of ``body`` (constant-time compare)."""
    if not consumer_secret or not given:
        return False
    return hmac.compare_digest(sign(consumer_secret, body).encode(), given.strip().encode())
