"""Taking the mail out of a stored provider post (Mailgun, Postmark, SendGrid).

A webhook's request body is stored as it came (``RawEmail`` of format mailgun, postmark
or sendgrid) before this module reads it, so nothing a provider posts is lost to a parser.
``extract`` runs twice: once in the request, to answer a malformed post with 400 and a
reason, and again when the row is processed. When the provider sends the raw MIME
(Mailgun ``body-mime``, SendGrid "Send Raw" ``email``, Postmark ``RawEmail``) those bytes
are the mail, exactly as received; otherwise anymail builds a mail from the fields.
Every failure is a ``Malformed`` with a reason a person can act on.
"""

from __future__ import annotations

import hashlib
import io
import json
import warnings
from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import BytesParser
from typing import Any

# django-anymail publishes no type hints.
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from anymail.webhooks.sendgrid import SendGridInboundWebhookView
from django.core.handlers.wsgi import WSGIRequest

from rapport.inboxes.adapters.email.models import RawEmail, RawFormat

MAX_FORM_PARTS = 500  # a real inbound post has a few dozen fields and attachments
MAX_JSON_DEPTH = 64  # Postmark's inbound JSON is 3 levels deep
# Fields that change on every delivery of the same mail: left out of its fingerprint.
_VOLATILE = frozenset({"timestamp", "token", "signature"})


class Malformed(Exception):
    """The post cannot hold a mail; ``reason`` says why (answered with 400, kept quarantined)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:500]


@dataclass(frozen=True)
class Extracted:
    """The mail in a post and what identifies its delivery."""

    mail: bytes
    provider_id: str = ""  # "postmark:<MessageID>": the provider's own id of this mail
    # The post as received without its per-delivery fields, when the mail was built from
    # fields (so the same post again has the same fingerprint); else "".
    fingerprint: str = ""


def extract(raw: RawEmail) -> Extracted:
    """The mail of a stored row; raises ``Malformed`` for a post that holds none."""
    data = bytes(raw.data)
    if raw.format == RawFormat.POSTMARK:
        return _postmark(data)
    if raw.format in (RawFormat.MAILGUN, RawFormat.SENDGRID):
        return _form_post(raw.format, data, raw.content_type)
    return Extracted(data)


def form_fields(content_type: str, body: bytes) -> dict[str, bytes]:
    """The fields of a form post (multipart or urlencoded), first value of each name."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        from urllib.parse import parse_qsl

        try:
            pairs = parse_qsl(body.decode("ascii"), max_num_fields=MAX_FORM_PARTS)
        except (UnicodeDecodeError, ValueError) as error:
            raise Malformed(f"unreadable form body: {error}") from None
        fields: dict[str, bytes] = {}
        for name, value in pairs:
            fields.setdefault(name, value.encode("utf-8", "surrogateescape"))
        return fields
    if kind != "multipart/form-data":
        raise Malformed(f"expected a form post (multipart/form-data), got {kind or 'nothing'!r}")
    return _multipart_fields(content_type, body)


def _multipart_fields(content_type: str, body: bytes) -> dict[str, bytes]:
    try:
        head = f"Content-Type: {content_type}\r\n\r\n".encode("ascii")
    except UnicodeEncodeError:
        raise Malformed("the Content-Type header is not ASCII") from None
    try:
        message = BytesParser(policy=policy.compat32).parsebytes(head + body)
        parts = message.get_payload() if message.is_multipart() else None
    except (RecursionError, ValueError, TypeError, LookupError) as error:
        raise Malformed(f"unreadable multipart body: {type(error).__name__}") from None
    if not isinstance(parts, list) or not parts:
        raise Malformed("the multipart body has no fields (wrong boundary?)")
    if len(parts) > MAX_FORM_PARTS:
        raise Malformed(f"more than {MAX_FORM_PARTS} form fields")
    fields: dict[str, bytes] = {}
    for part in parts:
        if not isinstance(part, Message):
            continue
        name = part.get_param("name", header="content-disposition")
        value = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(value, bytes):
            fields.setdefault(name, value)
    return fields


def _form_post(kind: str, data: bytes, content_type: str) -> Extracted:
    fields = form_fields(content_type, data)
    raw_field = "body-mime" if kind == RawFormat.MAILGUN else "email"
    if fields.get(raw_field):
        return Extracted(fields[raw_field])
    if kind == RawFormat.MAILGUN and fields.get("event", b"inbound") != b"inbound":
        raise Malformed("a Mailgun tracking event was posted to the inbound URL")
    if not any(name in fields for name in ("from", "sender", "headers", "message-headers")):
        raise Malformed(f"no mail in the post: neither {raw_field!r} nor the parsed fields")
    view = _mailgun_view() if kind == RawFormat.MAILGUN else _sendgrid_view()
    mail = _anymail_mail(lambda: view.parse_events(_replayed(data, content_type))[0].message)
    return Extracted(mail, fingerprint=_fingerprint(fields))


def _postmark(data: bytes) -> Extracted:
    payload = _json_object(data)
    kind = payload.get("RecordType", "Inbound")
    if kind != "Inbound":
        raise Malformed(f"a Postmark {kind!r} record was posted to the inbound URL")
    message_id = payload.get("MessageID")
    if message_id is not None and not isinstance(message_id, str):
        raise Malformed("MessageID must be a string")
    provider_id = f"postmark:{message_id}" if message_id else ""
    raw_mime = payload.get("RawEmail")
    if isinstance(raw_mime, str) and raw_mime:
        return Extracted(raw_mime.encode("utf-8", "surrogatepass"), provider_id)
    if not isinstance(payload.get("FromFull", payload.get("From")), dict | str):
        raise Malformed("no sender: FromFull (or From) is missing")
    view = _view(PostmarkInboundWebhookView)
    mail = _anymail_mail(lambda: view.esp_to_anymail_event(payload).message)
    return Extracted(mail, provider_id, hashlib.sha256(data).hexdigest())


def _json_object(data: bytes) -> dict[str, Any]:
    if not data.strip():
        raise Malformed("the body is empty")
    if _json_depth(data) > MAX_JSON_DEPTH:
        raise Malformed(f"JSON nested more than {MAX_JSON_DEPTH} levels")
    try:
        payload = json.loads(data)
    except UnicodeDecodeError:
        raise Malformed("the body is not valid UTF-8") from None
    except (ValueError, RecursionError) as error:
        raise Malformed(f"the body is not JSON: {error}") from None
    if not isinstance(payload, dict):
        raise Malformed(f"expected a JSON object, got {type(payload).__name__}")
    return payload


def _json_depth(data: bytes) -> int:
    """The deepest bracket nesting, counted without parsing (strings may overcount: fine,
    a real payload is far below the limit either way)."""
    depth = deepest = 0
    for byte in data.translate(None, delete=_NOT_BRACKETS):
        depth += 1 if byte in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def _anymail_mail(build: Any) -> bytes:
    """anymail's mail from fields, as bytes; anything it raises becomes ``Malformed``."""
    try:
        return bytes(build().as_bytes())
    except Exception as error:  # anymail and the email package raise many kinds on junk
        raise Malformed(f"the fields do not make a mail: {type(error).__name__}: {error}") from None


def _fingerprint(fields: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(set(fields) - _VOLATILE):
        digest.update(name.encode() + b"\0" + fields[name] + b"\0")
    return digest.hexdigest()


def _replayed(body: bytes, content_type: str) -> WSGIRequest:
    """A request carrying the stored post again, for anymail's field parsers."""
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "PATH_INFO": "/",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
    }
    return WSGIRequest(environ)


def _mailgun_view() -> Any:
    # The signature was checked already (webhooks.py); anymail wants a key to exist.
    return _view(MailgunInboundWebhookView, webhook_signing_key="checked-before")


def _sendgrid_view() -> Any:
    return _view(SendGridInboundWebhookView)


def _view(view_class: Any, **options: str) -> Any:
    """An anymail view used only for its field parsers. It warns that it checks no
    credentials (and that SendGrid is community-supported): ``webhooks.py`` checked them
    before the post was stored."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return view_class(webhook_secret=[], **options)
