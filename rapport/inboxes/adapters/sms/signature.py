"""Twilio's request signature (``X-Twilio-Signature``), as its SDKs check it.

base64(HMAC-SHA1(auth token, the full URL Twilio posted to + every form parameter's name
and value, sorted, duplicates removed)). The URL is the one Twilio was given — the public
webhook URL — not what this server sees behind a proxy; Twilio's own validator also
accepts the URL with the scheme's default port added or taken away, and so does this.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def compute(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    signed = url + "".join(name + value for name, value in sorted(set(params)))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def url_variants(url: str) -> list[str]:
    """The URL as given, with its default port, and without any port."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    default = DEFAULT_PORTS.get(parts.scheme)
    with_port = f"{host}:{parts.port or default}" if default or parts.port else host
    variants = [
        url,
        urlunsplit(parts._replace(netloc=with_port)),
        urlunsplit(parts._replace(netloc=host)),
    ]
    return list(dict.fromkeys(variants))


def matches(auth_token: str, url: str, params: list[tuple[str, str]], given: str) -> bool:
    """Whether ``given`` is Twilio's signature of this request (constant-time compare)."""
    if not auth_token or not given:
        return False
    found = False
    for variant in url_variants(url):
        # Every variant is compared, so the time taken does not tell which one matched.
        found |= hmac.compare_digest(compute(auth_token, variant, params).encode(), given.encode())
    return found
