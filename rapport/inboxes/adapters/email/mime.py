"""Low-level MIME helpers that keep parsing safe on hostile input: bounded and never raising.

The standard library parser is correct but has two costs an attacker can trigger: it
recurses once per nested multipart (a few thousand levels end in RecursionError after
seconds), and parsing a structured header is quadratic in the number of encoded words.
So the raw bytes are pre-scanned for nesting, header values are cut to a sane length
before they are parsed, and every header read falls back to a plain string on error.
"""

from __future__ import annotations

import email.utils
import re
from email import policy
from email.message import EmailMessage, Message

from rapport.inboxes.adapters.email import charsets

MAX_HEADER_CHARS = 8 * 1024  # a longer header value is cut before it is parsed
MAX_MULTIPARTS = 64  # more multipart containers than this: the body is read as plain text
MAX_PARTS = 500
MAX_TEXT_CHARS = 1_000_000  # decoded text kept per body part

_MULTIPART = re.compile(rb"(?im)^content-type:\s*multipart/")
_CONTENT_TYPE = re.compile(rb"(?im)^content-type:")


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


def defuse_headers(message: Message) -> list[tuple[str, int]]:
    """Cut every over-long raw header value of ``message`` before anything parses it;
    returns (name, characters cut) for each one cut.

    The parser keeps header values as raw strings and parses them on first access, so
    shortening ``_headers`` here bounds the cost of every later read. ``_headers`` is
    private, but it is the only place the raw values live before they are parsed.
    """
    headers = message._headers  # type: ignore[attr-defined]
    cut = [(str(name), len(value) - MAX_HEADER_CHARS) for name, value in headers]
    cut = [(name, size) for name, size in cut if size > 0]
    if cut:
        message._headers = [  # type: ignore[attr-defined]
            (name, value[:MAX_HEADER_CHARS] if len(value) > MAX_HEADER_CHARS else value)
            for name, value in headers
        ]
    return cut


def header_text(message: Message, name: str) -> str:
    """The decoded value of header ``name`` ("" if absent); never raises."""
    values = header_values(message, name, first_only=True)
    return values[0] if values else ""


def header_values(message: Message, name: str, *, first_only: bool = False) -> list[str]:
    """Every ``name`` header decoded from the bytes as written (see ``charsets``).

    Not through ``policy.default``: it decodes encoded words with the literal label
    (GB2312 text with GBK characters becomes mojibake) and 8-bit bytes not at all.
    """
    found = []
    hint = _content_charset(message)
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            data = str(value).encode("utf-8", errors="surrogateescape")
            found.append(clean_line(charsets.decode_header_bytes(data, hint)))
            if first_only:
                break
    return found


def raw_header_text(message: Message, name: str) -> str:
    """The first ``name`` header with 8-bit bytes decoded but encoded words left as they are
    (for reading addresses and parameters before their parts are decoded)."""
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            data = str(value).encode("utf-8", errors="surrogateescape")
            if data.isascii():
                return data.decode("ascii")
            return charsets.decode(data, _content_charset(message) or "utf-8")
    return ""


def _content_charset(message: Message) -> str | None:
    try:
        return message.get_content_charset()
    except Exception:  # a broken Content-Type parameter
        return None


def filename(part: Message) -> str:
    """The attachment's file name as the sender's mail client showed it ("" if none).

    Read from the raw Content-Disposition (else Content-Type ``name``): RFC 2231
    ``filename*=gb2312''%..`` values, encoded words inside quotes (not standard, but what
    most mailers send) and raw 8-bit names are all decoded with ``charsets``.
    """
    for header, param in (("Content-Disposition", "filename"), ("Content-Type", "name")):
        value = raw_header_text(part, header)
        if value:
            found = _param(value, param)
            if found:
                return clean_line(found)
    return ""


def _param(value: str, param: str) -> str:
    holder = Message()  # compat32: reads RFC 2231 continuations and charsets for us
    holder["X-Value"] = value
    try:
        found = holder.get_param(param, header="X-Value")
    except Exception:  # broken parameter syntax
        return ""
    if isinstance(found, tuple):  # RFC 2231: (charset, language, %-decoded as latin-1)
        charset, _, text = found
        data = str(text).encode("latin-1", errors="replace")
        return charsets.decode(data, charset or "utf-8")
    if not isinstance(found, str):
        return ""
    return charsets.decode_encoded_words(email.utils.unquote(found))


def clean_line(value: str) -> str:
    """One printable line: folding, CR/LF and other control characters become spaces."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())


def decode_text(data: bytes, charset: str | None) -> str:
    """Decode a text part whatever it declares (see ``charsets``); never raises."""
    return charsets.decode(data[: MAX_TEXT_CHARS * 4], charset)[:MAX_TEXT_CHARS]


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
        return raw.encode("utf-8", errors="surrogateescape")
    return b""


def part_text(part: Message) -> str:
    return decode_text(part_bytes(part), _content_charset(part))


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
