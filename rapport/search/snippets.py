"""The part of a message that matched, with the matching words marked.

Built from the stored text in Python rather than by the database, so the snippet is the
same on SQLite and PostgreSQL and always escaped.
"""

from __future__ import annotations

import re
from html import escape

from django.utils.safestring import SafeString, mark_safe

from rapport.search.terms import fold

WIDTH = 180  # characters around the first match
_WORD = re.compile(r"[^\W_]+")


def _matches(word: str, prefixes: set[str], exact: set[str]) -> bool:
    folded = fold(word)
    return folded in exact or any(folded.startswith(p) for p in prefixes)


def snippet(text: str, prefixes: set[str], exact: set[str]) -> SafeString:
    """About ``WIDTH`` characters of ``text`` around its first matching word, marked."""
    hits = [m for m in _WORD.finditer(text) if _matches(m.group(), prefixes, exact)]
    start = max(0, hits[0].start() - WIDTH // 3) if hits else 0
    end = min(len(text), start + WIDTH)
    out, position = [], start
    for hit in hits:
        if hit.start() < start or hit.end() > end:
            continue
        out += [escape(text[position : hit.start()]), f"<mark>{escape(hit.group())}</mark>"]
        position = hit.end()
    out.append(escape(text[position:end]))
    body = " ".join("".join(out).split())
    return mark_safe(("… " if start else "") + body + (" …" if end < len(text) else ""))  # noqa: S308 -- every piece escaped above
