"""Writing the search index: one row per message, one per customer.

The actions that write messages and customers call these in their own transaction, so the
index changes with the row it describes (no signals, no job to fall behind). This module
knows no domain model — callers hand it ids and text — so every app can call it.

SQLite: FTS5 tables (``search_message``, ``search_customer``) whose rowid is the message's
or customer's id. PostgreSQL: tables of the same names with a ``tsvector`` and a GIN index.
Both hold the words of ``terms.document``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, transaction

from rapport.search.terms import document

# Table names below are these constants, never input; values are always parameters.
MESSAGES = "search_message"
CUSTOMERS = "search_customer"
WORDS = "search_word"
# FTS5 answers a prefix query ("order*") by merging the lists of every word it starts
# before returning the first row: 200 ms for a common word at 5M messages, where one word
# takes 0.3 ms. So SQLite keeps the list of words, and a prefix of 4 or more letters
# becomes the words it starts, ORed (``words_starting``), which FTS5 walks lazily.
# Shorter prefixes use FTS5's own prefix indexes (2 and 3 letters). Words that start
# with a digit (order numbers, dates, phone numbers: nearly every message brings a new
# one, and listing it cost a write per message) are not listed: a prefix starting with a
# digit is FTS5's own prefix query, cheap because each such word is in few messages.
MAX_EXPANSION = 64
_WORDS_PER_STATEMENT = 400
_PG_UPSERT = (
    "INSERT INTO {table} (rowid, body) VALUES (%s, to_tsvector('simple', %s))"
    " ON CONFLICT (rowid) DO UPDATE SET body = EXCLUDED.body"
)
_SQLITE_UPSERT = "INSERT OR REPLACE INTO {table} (rowid, body) VALUES (%s, %s)"
_SQLITE_INSERT = "INSERT INTO {table} (rowid, body) VALUES (%s, %s)"


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _put(table: str, rows: Sequence[tuple[int, str]], *, new: bool = False) -> None:
    if not rows:
        return
    # FTS5 has no upsert: INSERT OR REPLACE replaces a rowid already there, at the cost of
    # a look-up first, which a new message does not need.
    sqlite = _SQLITE_INSERT if new else _SQLITE_UPSERT
    statement = (_PG_UPSERT if _is_postgres() else sqlite).format(table=table)
    if table == MESSAGES and not _is_postgres():
        _remember_words({word for _, body in rows for word in body.split()})
    with connection.cursor() as cursor:
        if len(rows) == 1:  # the actions' case: one plain statement
            cursor.execute(statement, rows[0])
        else:
            cursor.executemany(statement, rows)


def _remove(table: str, ids: Iterable[int]) -> None:
    ids = list(ids)
    if ids:
        with connection.cursor() as cursor:
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(f"DELETE FROM {table} WHERE rowid IN ({marks})", ids)  # noqa: S608


def put_message(message_id: int, text: str, subject: str = "") -> None:
    """Index one message's text, and the conversation's subject for the message that
    opened it (again after an edit).

    Always an upsert: an index row left behind by its message (a database flushed or
    restored without the index, as the test suite's flushes do) would otherwise make the
    next message with that id fail its plain INSERT — and be lost with it."""
    _put(MESSAGES, [(message_id, document(subject, text))])


def put_messages(rows: Iterable[tuple[int, str, str]]) -> None:
    """Index many messages at once: ``(id, text, subject)`` each, into an emptied table
    (``rapport reindex``)."""
    _put(MESSAGES, [(pk, document(subject, text)) for pk, text, subject in rows], new=True)


def remove_messages(message_ids: Iterable[int]) -> None:
    _remove(MESSAGES, message_ids)


def put_customer(customer_id: int, *, name: str, addresses: Sequence[str]) -> None:
    """Index a customer by name and every address (e-mail, E.164 phone, other ids)."""
    put_customers([(customer_id, name, addresses)])


def put_customers(rows: Iterable[tuple[int, str, Sequence[str]]]) -> None:
    _put(CUSTOMERS, [(pk, document(name, *addresses)) for pk, name, addresses in rows])


def remove_customers(customer_ids: Iterable[int]) -> None:
    _remove(CUSTOMERS, customer_ids)


def clear() -> None:
    """Empty the tables (before a rebuild)."""
    forget_known_words()
    with connection.cursor() as cursor:
        for table in (MESSAGES, CUSTOMERS) if _is_postgres() else (MESSAGES, CUSTOMERS, WORDS):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608


def analyze() -> None:
    """Refresh PostgreSQL's statistics of the index after a rebuild: how common a word is
    decides whether a newest-first search walks ids downwards (a common word) or reads its
    matches from the GIN index and sorts them (a rare one)."""
    if _is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {MESSAGES}, {CUSTOMERS}")


# Words this process has seen committed to search_word: most messages bring no new word,
# and then cost no statement. Filled only after commit, so a rolled-back insert is retried.
_known_words: set[str] = set()
MAX_KNOWN_WORDS = 500_000


def forget_known_words() -> None:
    """After the tables were emptied (a rebuild; tests between databases)."""
    _known_words.clear()


def _remember_words(words: set[str]) -> None:
    new = {word for word in words if not word[0].isdigit()} - _known_words
    if not new:
        return
    if len(_known_words) > MAX_KNOWN_WORDS:
        _known_words.clear()
    transaction.on_commit(lambda: _known_words.update(new))
    ordered = sorted(new)
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), _WORDS_PER_STATEMENT):
            chunk = ordered[start : start + _WORDS_PER_STATEMENT]
            marks = ", ".join(["(%s)"] * len(chunk))
            cursor.execute(f"INSERT OR IGNORE INTO {WORDS} (word) VALUES {marks}", chunk)  # noqa: S608


def words_starting(prefix: str) -> list[str] | None:
    """SQLite: the indexed words that start with ``prefix`` (4+ letters), or None when
    there are more than ``MAX_EXPANSION`` (or it is shorter): then FTS5's prefix query."""
    if _is_postgres() or len(prefix) < 4 or prefix[0].isdigit():
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT word FROM {WORDS} WHERE word >= %s AND word < %s ORDER BY word LIMIT %s",  # noqa: S608
            [prefix, prefix + "\U0010ffff", MAX_EXPANSION + 1],
        )
        words = [row[0] for row in cursor.fetchall()]
    return words if 0 < len(words) <= MAX_EXPANSION else None
