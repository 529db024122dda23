"""A parsed ``Query`` in each database's own full-text syntax.

Only index terms (letters and digits, see ``terms.py``) reach these strings, each one
quoted for FTS5, so nothing typed can be read as syntax by either database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rapport.search.query import Query

Expand = Callable[[str], "list[str] | None"]  # a prefix → the words it starts, if few


def _fts5_group(words: Sequence[str], *, prefix: bool, expand: Expand | None = None) -> str:
    if prefix and expand and (options := expand(words[-1])):
        # The same rows as the prefix query, found lazily (see index.MAX_EXPANSION).
        phrases = [" ".join([*words[:-1], option]) for option in options]
        return "(" + " OR ".join(f'"{phrase}"' for phrase in phrases) + ")"
    return f'"{" ".join(words)}"' + (" *" if prefix else "")


def _pg_group(words: Sequence[str], *, prefix: bool) -> str:
    parts = list(words)
    if prefix:
        parts[-1] += ":*"
    joined = " <-> ".join(parts)
    return f"({joined})" if len(parts) > 1 else joined


def _groups(query: Query) -> list[tuple[list[str], bool]]:
    return [(g, True) for g in query.words] + [(g, False) for g in query.phrases]


def full_text(query: Query, vendor: str, expand: Expand | None = None) -> str:
    """All words and phrases, none of the excluded (the query needs ``has_text``).
    ``expand`` (SQLite) lists the words a prefix starts, to query them instead."""
    if vendor == "postgresql":
        positive = " & ".join(_pg_group(g, prefix=p) for g, p in _groups(query))
        excluded = "".join(f" & !{_pg_group(g, prefix=False)}" for g in query.excluded)
        return positive + excluded
    positive = " AND ".join(_fts5_group(g, prefix=p, expand=expand) for g, p in _groups(query))
    excluded = "".join(f" NOT {_fts5_group(g, prefix=False)}" for g in query.excluded)
    return positive + excluded


def any_of(groups: Sequence[Sequence[str]], vendor: str, *, prefix: bool) -> str:
    """Matches a document holding any of ``groups`` (for excluded words without other text)."""
    if vendor == "postgresql":
        return " | ".join(_pg_group(g, prefix=prefix) for g in groups)
    return " OR ".join(_fts5_group(g, prefix=prefix) for g in groups)


def all_prefixes(words: Sequence[str], vendor: str) -> str:
    """Every word as a prefix (a customer's name or address, as typed after ``from:``)."""
    if vendor == "postgresql":
        return " & ".join(f"{word}:*" for word in words)
    return " AND ".join(_fts5_group([word], prefix=True) for word in words)
