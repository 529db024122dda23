"""A mail over the inbox's size cap keeps its words: its largest parts are left out.

A 30 MB attachment on a mail to an inbox that takes 25 MB must not cost the customer's
words. Before the mail is parsed, the bodies of its largest parts are cut out of the raw
bytes (one linear scan for the MIME boundaries) until it fits; the rest — the text, the
small attachments — is parsed as usual, and each part left out is named in a note the
agent sees (and the sender is told, see ``autoreply.maybe_tell_left_out``).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from email.message import Message

from rapport.inboxes.adapters.email import mime

MAX_BOUNDARIES = 10_000  # distinct boundaries recognised in one mail
MAX_SCANNED_PARTS = 100_000  # parts looked at for the text (most by one regex search)
TEXT_KEPT_BYTES = 1_000_000  # of a single over-size text body (the rest is left out)

_BOUNDARY = re.compile(rb"""(?i)\bboundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))""")
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_TEXT_TYPE = re.compile(rb"(?im)^content-type:\s*text/(plain|html)\b")
_ANY_TYPE = re.compile(rb"(?im)^content-type:")
_DELIMITER = re.compile(rb"(?m)^--([^\r\n]{1,200}?)(?:--)?[ \t]*\r?$")


@dataclass(frozen=True)
class LeftOut:
    """One part of a mail that was not kept."""

    name: str  # the file name, or a description ("the text body")
    size: int  # its size in bytes (decoded, as the sender's file was)
    reason: str  # why, in words the agent reads
    is_file: bool = False  # an attachment or body part the sender may want to send again

    @property
    def note(self) -> str:
        return f"{self.name} ({megabytes(self.size)}) was left out: {self.reason}."


def megabytes(size: int) -> str:
    """A size as people read it: 30.2 MB, 12 KB, 900 bytes."""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    if size >= 1024:
        return f"{size // 1024} KB"
    return f"{size} bytes"


def fit(raw: bytes, max_bytes: int) -> tuple[bytes, list[LeftOut]]:
    """``raw`` with the bodies of its largest parts removed until it is within ``max_bytes``.

    A mail within the cap comes back unchanged. Headers are always kept, and so is every
    part that fits: the largest parts go first.
    """
    if len(raw) <= max_bytes:
        return raw, []
    reason = f"the mail is {megabytes(len(raw))}, over this inbox's {megabytes(max_bytes)} limit"
    spans = _part_bodies(raw)
    if not spans:  # a single-part mail: keep the start of a text, nothing of the rest
        return _single_part(raw, reason, max_bytes)
    left_out: list[LeftOut] = []
    cut: list[tuple[int, int]] = []
    excess = len(raw) - max_bytes
    for start, end in sorted(spans, key=lambda span: span[0] - span[1]):  # largest first
        if excess <= 0:
            break
        name, kind, size = _describe(raw, start, end)
        if kind.startswith("multipart/"):
            continue
        cut.append((start, end))
        left_out.append(LeftOut(name, size, reason, is_file=True))
        excess -= end - start
    return _without(raw, cut), left_out


def _part_bodies(raw: bytes) -> list[tuple[int, int]]:
    """(start, end) of every part between two MIME delimiter lines, headers included.

    One scan for lines that start with ``--``, kept when the rest is a boundary the mail
    declared: linear however many boundaries there are (a regex of them all is not).
    """
    boundaries = {b or q for q, b in _BOUNDARY.findall(raw)[:MAX_BOUNDARIES]}
    if not boundaries:
        return []
    lines = [
        (match.start(), match.end())
        for match in _DELIMITER.finditer(raw)
        if match.group(1) in boundaries or match.group(1).removesuffix(b"--") in boundaries
    ]
    return [
        (previous_end + 1, next_start)
        for (_, previous_end), (next_start, _) in itertools.pairwise(lines)
        if next_start > previous_end + 1
    ]


def first_text_part(raw: bytes) -> Message | None:
    """The first text/plain part of ``raw`` (else the first text/html), found by a linear
    scan of its parts, for a mail whose structure is too complex to parse as a whole."""
    html = None
    for start, end in _part_bodies(raw)[:MAX_SCANNED_PARTS]:
        head_end = _HEAD_END.search(raw, start, min(end, start + 64 * 1024))
        if head_end is None:
            continue
        head_bytes = raw[start : head_end.start()]
        if not _TEXT_TYPE.search(head_bytes) and _ANY_TYPE.search(head_bytes):
            continue  # a container or a file: skipped without parsing its headers
        head = mime.parse_bytes(head_bytes + b"\r\n\r\n")
        kind = mime.content_type(head)
        if kind not in ("text/plain", "text/html") or mime.filename(head):
            continue
        part = mime.parse_bytes(raw[start:end])
        if kind == "text/plain":
            return part
        html = html or part
    return html


def _describe(raw: bytes, start: int, end: int) -> tuple[str, str, int]:
    """(file name or description, content type, decoded size) of the part at ``start``."""
    head_end = _HEAD_END.search(raw, start, min(end, start + 64 * 1024))
    body_start = head_end.end() if head_end else end
    part = mime.parse_bytes(raw[start : head_end.start() if head_end else end] + b"\r\n\r\n")
    kind = mime.content_type(part)
    size = end - body_start
    if mime.header_text(part, "Content-Transfer-Encoding").lower() == "base64":
        line_breaks = raw.count(b"\n", body_start, end) + raw.count(b"\r", body_start, end)
        size = max(size - line_breaks, 0) * 3 // 4  # 4 characters per 3 bytes
    name = mime.filename(part)
    if name:
        return f"The attachment “{name}”", kind, size
    return f"A part of type {kind}", kind, size


def _without(raw: bytes, cut: list[tuple[int, int]]) -> bytes:
    """``raw`` with the bodies (not the headers) of the parts in ``cut`` emptied."""
    pieces, position = [], 0
    for start, end in sorted(cut):
        head_end = _HEAD_END.search(raw, start, end)
        keep_until = head_end.end() if head_end else start
        pieces += [raw[position:keep_until]]
        position = end
    pieces.append(raw[position:])
    return b"".join(pieces)


def _single_part(raw: bytes, reason: str, max_bytes: int) -> tuple[bytes, list[LeftOut]]:
    head, body = mime.split_head(raw)
    part = mime.parse_bytes(head + b"\r\n\r\n")
    kind = mime.content_type(part)
    if kind.startswith("text/"):
        kept = body[: min(TEXT_KEPT_BYTES, max(max_bytes - len(head), 0))]
        kept = kept[: kept.rfind(b"\n") + 1] or kept  # whole lines: base64 stays decodable
        return head + b"\r\n\r\n" + kept, [
            LeftOut("The rest of the text", len(body) - len(kept), reason, is_file=True)
        ]
    name, _, size = _describe(raw, 0, len(raw))
    return head + b"\r\n\r\n", [LeftOut(name, size, reason, is_file=True)]
