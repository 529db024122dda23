"""Text to search terms: the one tokenizer both databases index and query with.

SQLite's FTS5 and PostgreSQL's parser split text differently (an e-mail address is one
token to PostgreSQL, three to FTS5; accents are folded by one and not the other). So
Rapport splits text itself, the same way for both: accents folded (é → e, ß → ss),
lower case, runs of letters and digits kept, everything else a separator. Each database
then indexes plain space-separated words, which both split identically, and a query is
reduced to the same words — the same results on both.
"""

from __future__ import annotations

import re
import unicodedata

MAX_TERM = 64  # longer runs are cut: PostgreSQL skips words over 2 KB, FTS5 would keep them
MAX_INDEXED_CHARS = 200_000  # a tsvector holds at most 1 MB; a longer text is indexed in part
_WORD = re.compile(r"[^\W_]+")
# Letters that do not decompose into a base letter plus a mark.
_FOLDED = str.maketrans(
    {"ß": "ss", "ø": "o", "đ": "d", "ł": "l", "æ": "ae", "œ": "oe", "\u0131": "i"}
)


def fold(text: str) -> str:
    """Lower case without accents: ``Crème Brûlée`` → ``creme brulee``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_FOLDED))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def terms(text: str) -> list[str]:
    """The words of ``text`` as the index holds them, in order."""
    return [word[:MAX_TERM] for word in _WORD.findall(fold(text[:MAX_INDEXED_CHARS]))]


def document(*parts: str) -> str:
    """What is written into the index for a message or customer: its words, space-separated."""
    return " ".join(word for part in parts for word in terms(part))
