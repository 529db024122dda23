"""Separating the new part of a reply from the quoted history and the signature under it.

Top-posted replies are split by ``mail-parser-reply`` (maintained, "On ... wrote:" and
Outlook header patterns in many languages); HTML quotes are cut by ``quotequail``. The gaps
they leave are closed here, each measured on the talon and email-reply-parser fixtures
(see docs/benchmarks.md): replies written under or between ">" quotes, quote headers in
languages the libraries do not know (recognised by their shape: a date or an address and
a trailing ":"), list footers, and the signature. Only an RFC 3676 "-- " delimiter or a
"Sent from my ..." line counts as a signature: a "Thanks," line may start real content.
Input is capped so the libraries' regular expressions run in bounded time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import quotequail
from mailparser_reply.parser import (
    EmailMessage as ReplyMessage,
)

MAX_INPUT_CHARS = 60_000
LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pl", "sv", "da", "cs")

_QUOTED = re.compile(r"^\s*>")
_SEPARATOR = re.compile(r"^\s*[-_=*]{5,}\s*$")
_SIG_DELIMITER = re.compile(r"^--\s*$")
_MOBILE_FOOTER = re.compile(
    r"^(Sent from my|Sent from Mail for|Get Outlook for|Sent with|Von meinem|Envoyé de mon|"
    r"Enviado desde mi)\b[\w .'()/:?=&-]{0,60}$",
    re.IGNORECASE,
)
_HEADER_WORD = re.compile(
    r"\b(wrote|schrieb|écrit|escribió|scrisse|написал|napisał|skrev|schreef)\b", re.IGNORECASE
)
_DATE_OR_ADDRESS = re.compile(r"(\d{1,4}[./-]\d{1,2}[./-]\d{1,4})|(\d{1,2}:\d{2})|@|\d{4}")
_STRONG_HEADER = re.compile(r"@.*:\s*$")
_TIME_OR_DATE = re.compile(r"(\d{1,2}:\d{2})|(\d{1,4}[./-]\d{1,2}[./-]\d{2,4})")
_FROM_FIELD = re.compile(r"^\s*\*?(From|Von|De|Da|Van|От|Od|Från|Fra)\s*\*?:", re.IGNORECASE)
_FIELD = re.compile(
    r"^\s*\*?(Sent|Date|To|Cc|Subject|Gesendet|Datum|An|Betreff|Envoyé|À|Objet|Enviado|Para|"
    r"Asunto|Inviato|Oggetto|Verzonden|Aan|Onderwerp|Отправлено|Кому|Тема|Дата)\s*\*?:",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Split:
    """The new text of a message, its signature, and the quoted history under it."""

    new: str
    signature: str = ""
    quoted: str = ""

    @property
    def hidden(self) -> str:
        """What the agent sees after "show quoted text": the signature, then the history."""
        return "\n\n".join(part for part in (self.signature, self.quoted) if part)


def split_reply(text: str) -> Split:
    """Split a plain-text body into new text, signature and quoted history."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return Split("")
    head = _cut_footer(text[:MAX_INPUT_CHARS])
    lines = head.split("\n")
    new = _interleaved(lines) if _is_interleaved(lines) else _library_reply(head)
    new = _strip_trailing_quote(_cut_at_inline_header(new))
    new, signature = _split_signature(_cut_footer(new))
    if not new.strip():
        return Split(text)  # everything looked quoted: show it all rather than nothing
    return Split(new.strip(), signature.strip(), _rest(text, new, signature))


def _library_reply(text: str) -> str:
    message = ReplyMessage(text=text, languages=list(LANGUAGES), keep_hyphen_lists=True).read()
    if not message.replies:
        return text
    return str(message.replies[0].full_body) or text


def _rest(text: str, new: str, signature: str) -> str:
    """The quoted history: the original lines left once the new ones and the signature go.

    Lines are matched in order after stripping, because the libraries normalise spacing.
    """
    shown = [line.strip() for line in f"{new}\n{signature}".split("\n") if line.strip()]
    rest: list[str] = []
    position = 0
    for line in text.split("\n"):
        if position < len(shown) and line.strip() == shown[position]:
            position += 1
            continue
        rest.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(rest)).strip()


def _is_interleaved(lines: list[str]) -> bool:
    """True when the writer answered under (or between) ">" quotes, not above them."""
    first_quote = next((i for i, line in enumerate(lines) if _QUOTED.match(line)), None)
    if first_quote is None:
        return False
    for line in lines[first_quote:]:
        if _SIG_DELIMITER.match(line) or _SEPARATOR.match(line):
            return False
        if line.strip() and not _QUOTED.match(line):
            return True
    return False


def _interleaved(lines: list[str]) -> str:
    """The writer's own lines, without the quotes and the quote headers above them."""
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _QUOTED.match(line):
            continue
        if line.strip() and _introduces_quote(lines, index):
            continue
        kept.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def _introduces_quote(lines: list[str], index: int) -> bool:
    """Is line ``index`` part of an "On ..., X wrote:" header right above a ">" block?"""
    if not _has_header_shape(lines[index]):
        return False
    end = index
    while end < len(lines) and end - index < 3 and lines[end].strip():
        if lines[end].rstrip().endswith(":"):
            following = next((line for line in lines[end + 1 :] if line.strip()), "")
            return bool(_QUOTED.match(following))
        end += 1
    return False


def _has_header_shape(line: str) -> bool:
    return bool(_DATE_OR_ADDRESS.search(line) or _HEADER_WORD.search(line))


def _cut_at_inline_header(text: str) -> str:
    """Cut at a quote header whose quoted text lost its ">" (an HTML body turned to text).

    Either one line "<date> <time> ... <address>:" or an Outlook block "From:" followed
    within a few lines by at least two of Sent/To/Subject (in several languages).
    """
    lines = text.split("\n")
    for index in range(1, len(lines)):
        line = lines[index]
        if _STRONG_HEADER.search(line) and _TIME_OR_DATE.search(line):
            return "\n".join(lines[:index])
        if _FROM_FIELD.match(line):
            following = lines[index + 1 : index + 10]
            if sum(1 for candidate in following if _FIELD.match(candidate)) >= 2:
                return "\n".join(lines[:index])
    return text


def _strip_trailing_quote(text: str) -> str:
    """Drop a ">" block at the end and the quote header (any language) just above it."""
    lines = text.rstrip().split("\n")
    end = len(lines)
    while end and (_QUOTED.match(lines[end - 1]) or not lines[end - 1].strip()):
        end -= 1
    end = _header_start(lines, end)
    if end == len(lines):
        end = _outlook_block_start(lines)
    return "\n".join(lines[:end])


def _header_start(lines: list[str], end: int) -> int:
    """Where a "<date>, <name> <address> wrote:" header ending at ``end`` starts, else ``end``.

    The header is recognised by its shape: its last line ends with ":" and its lines carry a
    date, a time, an address or a "wrote" word — so it works in languages no library knows.
    """
    if not end or not lines[end - 1].rstrip().endswith(":"):
        return end
    start = end
    while start > 0 and end - start < 3 and lines[start - 1].strip():
        line = lines[start - 1]
        if not _has_header_shape(line):
            break
        start -= 1
    block = "\n".join(lines[start:end])
    return start if start < end and _DATE_OR_ADDRESS.search(block) else end


def _outlook_block_start(lines: list[str]) -> int:
    """A "From: / Sent: / To:" block left at the end once its quote was cut away."""
    for index in range(max(len(lines) - 12, 1), len(lines)):
        is_field = _FROM_FIELD.match(lines[index]) or _FIELD.match(lines[index])
        if is_field and _DATE_OR_ADDRESS.search("\n".join(lines[index:])):
            return index
    return len(lines)


def _cut_footer(text: str) -> str:
    """Drop trailing separator lines and a mailing-list footer under a long rule."""
    lines = text.rstrip().split("\n")
    for index, line in enumerate(lines):
        if index and _SEPARATOR.match(line) and "mailing list" in "\n".join(lines[index:]).lower():
            lines = lines[:index]
            break
    while lines and (_SEPARATOR.match(lines[-1]) or not lines[-1].strip()):
        lines.pop()
    return "\n".join(lines)


def _split_signature(text: str) -> tuple[str, str]:
    """(text, signature): after a "-- " line, or a last "Sent from my ..." line."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if index and _SIG_DELIMITER.match(line):
            return "\n".join(lines[:index]), "\n".join(lines[index:])
    last = max((i for i, line in enumerate(lines) if line.strip()), default=0)
    if last and _MOBILE_FOOTER.match(lines[last].strip()):
        return "\n".join(lines[:last]), lines[last]
    return text, ""


def split_html(html: str) -> str:
    """The HTML of the new part of a reply: quoted blocks (blockquote, gmail_quote...) removed."""
    if not html.strip():
        return ""
    try:
        parts = quotequail.quote_html(html[: MAX_INPUT_CHARS * 4])
    except Exception:  # lxml could not read it: keep the whole body
        return html
    shown = "".join(part for visible, part in parts if visible)
    return shown or html
