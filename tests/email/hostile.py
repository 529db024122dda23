"""Hostile input shared by the per-path test modules (webhooks, IMAP, SMTP listener).

Raw RFC 5322 bytes written out by hand, and the providers' posts built from the bodies in
``fixtures/`` (multipart for Mailgun and SendGrid, JSON for Postmark) as they send them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.test import Client

from rapport.inboxes.adapters.email.models import RawEmail
from tests.email.conftest import SUPPORT, mail

FIXTURES = Path(__file__).parent / "fixtures"
BASIC = "hook:s3cret"
MAILGUN_KEY = "key-mailgun-signing"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def nested(depth: int) -> bytes:
    """A mail whose multiparts nest ``depth`` levels (the RecursionError of the issue)."""
    head = b"From: carol@mail.example\r\nTo: support@shop.example\r\nSubject: deep\r\n"
    head += f"Message-ID: <deep{depth}@mail.example>\r\nMIME-Version: 1.0\r\n".encode()
    body = b"Content-Type: text/plain\r\n\r\ninnermost words\r\n"
    for level in range(depth):
        boundary = f"b{level}".encode()
        body = (
            b'Content-Type: multipart/mixed; boundary="'
            + boundary
            + b'"\r\n\r\n--'
            + boundary
            + b"\r\n"
            + body
            + b"\r\n--"
            + boundary
            + b"--\r\n"
        )
    return head + body


# A forwarded mail whose inner Subject holds raw 8-bit bytes (the UnicodeEncodeError).
EIGHT_BIT_INNER = (
    b"From: Carol <carol@mail.example>\r\nTo: support@shop.example\r\n"
    b"Subject: Fwd: invoice\r\nMessage-ID: <fwd8@mail.example>\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\n'
    b"Content-Type: text/plain\r\n\r\nSee below.\r\n--x\r\nContent-Type: message/rfc822\r\n\r\n"
    b"From: Jos\xe9 <jose@old.example>\r\nSubject: Factura n\xba 12 \xe0 pagar\r\n\r\n"
    b"Hola\r\n--x--\r\n"
)

# Message-IDs that policy.default parses into the same "<Re" (or nothing).
ODD_MESSAGE_IDS = ("<Re: tok-1.5@cust.example>", "<Re: tok-2.5@cust.example>", "<order 1@shop>")


def odd_id_mails() -> list[bytes]:
    """Different mails, each with an odd Message-ID, two with ``<>``: all must be kept."""
    mails = [mail(message_id=mid, body=f"Mail with {mid}") for mid in ODD_MESSAGE_IDS]
    mails += [mail(message_id="<>", body=f"Empty id {n}") for n in range(2)]
    return mails


def own_mails(other_inbox_address: str) -> dict[str, bytes]:
    """Mail of ours: from this inbox, from another inbox of ours, with our Message-ID."""
    return {
        "this inbox": mail(sender=f"Shop <{SUPPORT}>", message_id="<own1@x.example>"),
        "another inbox": mail(sender=other_inbox_address, message_id="<own2@x.example>"),
        "our Message-ID": mail(
            sender="someone@relay.example",
            message_id="<rapport.1.2.3.0123456789abcdef0123@shop.example>",
        ),
    }


@dataclass
class Answer:
    status: int
    text: str
    seconds: float


def post(client: Client, url: str, body: bytes, content_type: str, **headers: str) -> Answer:
    started = time.monotonic()
    response = client.generic("POST", url, body, content_type=content_type, **headers)
    return Answer(response.status_code, response.content.decode(), time.monotonic() - started)


def multipart(fields: dict[str, bytes | str], boundary: str = "") -> tuple[bytes, str]:
    """A multipart/form-data body as providers post it (bytes kept as they are)."""
    boundary = boundary or uuid.uuid4().hex
    chunks = []
    for name, value in fields.items():
        data = value.encode() if isinstance(value, str) else value
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def mailgun_signed(
    fields: dict[str, bytes | str], *, key: str = MAILGUN_KEY, age: int = 0, token: str = ""
) -> dict[str, bytes | str]:
    """``fields`` with a Mailgun signature (timestamp ``age`` seconds old)."""
    timestamp = str(int(time.time()) - age)
    token = token or uuid.uuid4().hex * 2
    signature = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    return {**fields, "timestamp": timestamp, "token": token, "signature": signature}


def basic_auth(user_pass: str = BASIC) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(user_pass.encode()).decode()}


def inbound_url(inbox, provider: str) -> str:
    return f"/email/inbound/{provider}/{inbox.public_key}"


def configure(inbox, **fields: object) -> None:
    inbox.config = {**inbox.config, **fields}
    inbox.save()


def stored(body: bytes) -> RawEmail:
    """The one raw row holding exactly ``body``."""
    return RawEmail.objects.get(sha256=hashlib.sha256(body).hexdigest())
