"""Header values read from the raw bytes as the sender wrote them, without a header parser.

``policy.default`` parses Message-ID, In-Reply-To and References as RFC 5322 msg-ids: a
value that is not one (``<Re: tok-1.5@cust.example>``, ``<order 1@shop>``, ``<>``) comes
out cut at the first space (``<Re``) or raises, and different mails then share one id. The
identity of a mail must come from the text as written, so these functions read the header
block themselves: unfolded (RFC 5322 2.2.3), nothing else changed.
"""

from __future__ import annotations

import hashlib
import re

MAX_VALUE_CHARS = 8 * 1024  # a longer header value is cut (as ``mime.defuse_headers`` does)
MAX_ID_CHARS = 250  # fits the 255-character columns; longer ids keep a hash of the rest
MAX_IDS = 200  # ids read from one References header

_FIELD = re.compile(rb"^([!-9;-~]+)[ \t]*:")  # a header line: printable name, then a colon
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_ID_IN_BRACKETS = re.compile(r"<([^<>]*)>")


def header_lines(raw: bytes) -> list[bytes]:
    """The lines of the header block of ``raw``, unfolded, without line endings.

    A first line that is not a header (an mbox ``From `` line, a line a forwarding tool
    put before the headers) is skipped, so the headers after it are still found.
    """
    raw = raw[skipped_first_line(raw) :]
    end = _HEAD_END.search(raw)
    head = raw[: end.start()] if end else raw
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    unfolded: list[list[bytes]] = []  # joined at the end: ``+=`` on bytes is quadratic
    for line in lines:
        if line[:1] in (b" ", b"\t") and unfolded:
            unfolded[-1].append(line)
        elif _FIELD.match(line):
            unfolded.append([line])
        else:  # not a header line: the header block has ended (a missing blank line)
            break
    return [b"".join(pieces) for pieces in unfolded]


def skipped_first_line(raw: bytes) -> int:
    """How many bytes of ``raw`` come before its headers: the length of a first line that
    is not a header when the next one is (an mbox ``From `` line, a forwarding tool's
    note); 0 for a well-formed mail."""
    first, newline, rest = raw[:MAX_VALUE_CHARS].partition(b"\n")
    if not newline or _FIELD.match(first) or not _FIELD.match(rest):
        return 0
    return len(first) + 1


def raw_header(raw: bytes, name: str) -> str | None:
    """The first ``name:`` header of ``raw`` as written (unfolded, trimmed); None if absent.

    Bytes that are not UTF-8 are kept as ``\\xNN`` escapes: the text stays distinct for
    distinct bytes and can be stored anywhere.
    """
    wanted = name.lower().encode("ascii")
    for line in header_lines(raw):
        field, _, value = line.partition(b":")
        if field.strip().lower() == wanted:
            text = value.decode("utf-8", errors="backslashreplace")
            return " ".join(text.split())[:MAX_VALUE_CHARS]
    return None


def raw_message_id(raw: bytes) -> str:
    """The Message-ID of ``raw`` as written, without its angle brackets; "" if it has none.

    ``<Re: tok-1.5@cust.example>`` gives ``Re: tok-1.5@cust.example``; an empty id
    (``<>``, blank) gives "" so that a caller falls back to something else (a hash of
    the raw bytes), never to one id shared by many mails.
    """
    ids = message_ids_in(raw_header(raw, "Message-ID") or "")
    return ids[0] if ids else ""


def raw_message_ids(raw: bytes, name: str) -> list[str]:
    """All ids of the In-Reply-To or References header (``name``) of ``raw``, in order."""
    return message_ids_in(raw_header(raw, name) or "")


def message_ids_in(value: str) -> list[str]:
    """The ids in a Message-ID/In-Reply-To/References value, without brackets.

    An id is whatever stands between ``<`` and ``>`` (spaces included); a value without
    brackets is read as space-separated bare ids, as some mailers write them.
    """
    found = [_bounded(" ".join(inner.split())) for inner in _ID_IN_BRACKETS.findall(value)]
    if not found and "<" not in value and ">" not in value:
        found = [_bounded(word) for word in value.split()]
    return [found_id for found_id in found if found_id][:MAX_IDS]


def _bounded(message_id: str) -> str:
    """``message_id`` cut to MAX_ID_CHARS, a hash of the whole keeping long ones distinct."""
    if len(message_id) <= MAX_ID_CHARS:
        return message_id
    digest = hashlib.sha256(message_id.encode("utf-8", errors="surrogatepass")).hexdigest()
    return f"{message_id[: MAX_ID_CHARS - 41]}~{digest[:40]}"
