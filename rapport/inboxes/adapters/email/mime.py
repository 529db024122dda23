"""Low-level MIME helpers that keep parsing safe on hostile input: bounded and never raising.

The standard library parser is correct but has two costs an attacker can trigger: it
recurses once per nested multipart (a few thousand levels end in RecursionError after
seconds), and parsing a structured header is quadratic in the number of encoded words.
So the raw bytes are pre-scanned for nesting, header values are cut to a sane length
before they are parsed, and every header read falls back to a plain string on error.
"""

from __future__ import annotations

import codecs
import re
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message

MAX_HEADER_CHARS = 8 * 1024  # a longer header value is cut before it is parsed
MAX_MULTIPARTS = 64  # more multipart containers than this: the body is read as plain text
MAX_PARTS = 500
MAX_TEXT_CHARS = 1_000_000  # decoded text kept per body part

_MULTIPART = re.compile(rb"(?im)^content-type:\s*multipart/")
_CONTENT_TYPE = re.compile(rb"(?im)^content-type:")
_FALLBACK_CHARSETS = ("utf-8", "cp1252")


def too_complex(raw: bytes) -> str:
    """Why the MIME structure of ``raw`` is too big to parse safely, or "" if it is fine."""
    multiparts = len(_MULTIPART.findall(raw))
    if multiparts > MAX_MULTIPARTS:
        return f"{multiparts} nested multipart containers (limit {MAX_MULTIPARTS})"
    parts = len(_CONTENT_TYPE.findall(raw))
    if parts > MAX_PARTS:
        return f"{parts} MIME parts (limit {MAX_PARTS})"
    return ""


def split_head(raw: bytes) -> tuple[bytes, bytes]:
    """The header block and the body of ``raw`` (the body may be empty)."""
    match = re.search(rb"\r?\n\r?\n", raw)
    if match is None:
        return raw, b""
    return raw[: match.start()], raw[match.end() :]


def defuse_headers(message: Message) -> None:
    """Cut every over-long raw header value of ``message`` before anything parses it.

    The parser keeps header values as raw strings and parses them on first access, so
    shortening ``_headers`` here bounds the cost of every later read. ``_headers`` is
    private, but it is the only place the raw values live before they are parsed.
    """
    headers = message._headers  # type: ignore[attr-defined]
    if any(len(value) > MAX_HEADER_CHARS for _, value in headers):
        message._headers = [  # type: ignore[attr-defined]
            (name, value[:MAX_HEADER_CHARS] if len(value) > MAX_HEADER_CHARS else value)
            for name, value in headers
        ]


def header_text(message: Message, name: str) -> str:
    """The decoded value of header ``name`` ("" if absent); never raises."""
    try:
        value = message.get(name)
        if value is None:
            return ""
        return clean_line(str(value))
    except Exception:  # a malformed header must not stop the mail
        return clean_line(_decode_raw(message, name))


def header_values(message: Message, name: str) -> list[str]:
    try:
        return [clean_line(str(value)) for value in message.get_all(name) or []]
    except Exception:  # see header_text
        return [clean_line(_decode_raw(message, name))]


def _decode_raw(message: Message, name: str) -> str:
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            try:
                return str(make_header(decode_header(str(value))))
            except Exception:  # undecodable words: keep the raw text
                return str(value)
    return ""


def clean_line(value: str) -> str:
    """One printable line: folding, CR/LF and other control characters become spaces."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())


def known_charset(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip('"')).name
    except (LookupError, ValueError):
        return None


def decode_text(data: bytes, charset: str | None) -> str:
    """Decode a text part whatever it declares; unknown charsets fall back, never raise."""
    data = data[: MAX_TEXT_CHARS * 4]
    declared = known_charset(charset)
    if declared:
        try:
            return data.decode(declared)[:MAX_TEXT_CHARS]
        except (UnicodeDecodeError, LookupError, ValueError):
            pass
    for fallback in _FALLBACK_CHARSETS:
        try:
            return data.decode(fallback)[:MAX_TEXT_CHARS]
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")[:MAX_TEXT_CHARS]


def part_bytes(part: Message) -> bytes:
    """The transfer-decoded payload of a leaf part (base64, quoted-printable...)."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # broken encodings: fall back to the raw payload
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", errors="replace")
    return b""


def part_text(part: Message) -> str:
    try:
        charset = part.get_content_charset()
    except Exception:  # a broken Content-Type parameter
        charset = None
    return decode_text(part_bytes(part), charset)


def content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # unparsable Content-Type: RFC 2045 says text/plain
        return "text/plain"


def parse_bytes(raw: bytes) -> EmailMessage:
    """Parse with ``policy.default``; the raw header values are then cut to a safe length."""
    from email import message_from_bytes

    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message
