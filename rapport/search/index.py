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

from django.db import connection

from rapport.search.terms import document

# Table names below are these two constants, never input; values are always parameters.
MESSAGES = "search_message"
CUSTOMERS = "search_customer"
_PG_UPSERT = (
    "INSERT INTO {table} (rowid, body) VALUES (%s, to_tsvector('simple', %s))"
    " ON CONFLICT (rowid) DO UPDATE SET body = EXCLUDED.body"
)
_SQLITE_UPSERT = "INSERT OR REPLACE INTO {table} (rowid, body) VALUES (%s, %s)"


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _put(table: str, rows: Sequence[tuple[int, str]]) -> None:
    if not rows:
        return
    # FTS5 has no upsert: INSERT OR REPLACE replaces a rowid already there.
    statement = (_PG_UPSERT if _is_postgres() else _SQLITE_UPSERT).format(table=table)
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
    """Index (or re-index, after an edit) one message's text, and the conversation's
    subject for the message that opened it."""
    _put(MESSAGES, [(message_id, document(subject, text))])


def put_messages(rows: Iterable[tuple[int, str, str]]) -> None:
    """Index many messages at once: ``(id, text, subject)`` each (``rapport reindex``)."""
    _put(MESSAGES, [(pk, document(subject, text)) for pk, text, subject in rows])


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
    """Empty both tables (before a rebuild)."""
    with connection.cursor() as cursor:
        for table in (MESSAGES, CUSTOMERS):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608


def analyze() -> None:
    """Refresh PostgreSQL's statistics of the index after a rebuild: how common a word is
    decides whether a newest-first search walks ids downwards (a common word) or reads its
    matches from the GIN index and sorts them (a rare one)."""
    if _is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {MESSAGES}, {CUSTOMERS}")
