"""The index tables, as Django sees them to read them (``index.py`` writes them in SQL).

They are created by this app's migration in each database's own form (an FTS5 virtual
table on SQLite, a table with a GIN-indexed ``tsvector`` on PostgreSQL), so Django does
not manage them. ``rowid`` is the message's or customer's id in both.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.lookups import Lookup
from django.db.models.sql.compiler import SQLCompiler


class IndexedWords(models.TextField):
    """The words of a document: FTS5 text on SQLite, a ``tsvector`` on PostgreSQL."""


@IndexedWords.register_lookup
class Matches(Lookup):
    """``body__matches=<query>``: the query is already in the database's own syntax
    (``selectors.fts_query`` builds it from safe words only)."""

    lookup_name = "matches"

    def as_sql(  # type: ignore[override]  # Django's lookups return a list of parameters
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} @@ to_tsquery('simple', {rhs})", [*lhs_params, *rhs_params]
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]


class MessageDoc(models.Model):
    """One message's words."""

    message = models.OneToOneField(
        "conversations.Message",
        primary_key=True,
        db_column="rowid",
        db_constraint=False,
        on_delete=models.DO_NOTHING,
        related_name="+",
    )
    body = IndexedWords()

    class Meta:
        managed = False
        db_table = "search_message"

    def __str__(self) -> str:
        return f"words of message {self.pk}"


class CustomerDoc(models.Model):
    """One customer's words: name and every address."""

    customer = models.OneToOneField(
        "customers.Customer",
        primary_key=True,
        db_column="rowid",
        db_constraint=False,
        on_delete=models.DO_NOTHING,
        related_name="+",
    )
    body = IndexedWords()

    class Meta:
        managed = False
        db_table = "search_customer"

    def __str__(self) -> str:
        return f"words of customer {self.pk}"
