"""The search index's tables, in each database's own form (see ``search/models.py``)."""

from __future__ import annotations

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

TABLES = ("search_message", "search_customer")

# unicode61 with remove_diacritics 2 folds accents the way terms.fold already did, so text
# written into the table by anything else is still found; prefix='2 3' keeps short prefix
# queries ("re*", "ref*") to one index lookup instead of a scan of every longer term.
SQLITE = (
    "CREATE VIRTUAL TABLE {table} USING fts5("
    "body, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
)
# Every word search_message holds, for prefix searches on SQLite (see ``index.words``).
SQLITE_WORDS = "CREATE TABLE search_word (word TEXT PRIMARY KEY) WITHOUT ROWID"
POSTGRES = (
    "CREATE TABLE {table} (rowid bigint PRIMARY KEY, body tsvector NOT NULL)",
    "CREATE INDEX {table}_body ON {table} USING gin (body)",
)


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for table in TABLES:
        if schema_editor.connection.vendor == "postgresql":
            for statement in POSTGRES:
                schema_editor.execute(statement.format(table=table))
        else:
            schema_editor.execute(SQLITE.format(table=table))
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute(SQLITE_WORDS)


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for table in TABLES:
        schema_editor.execute(f"DROP TABLE {table}")
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute("DROP TABLE search_word")


class Migration(migrations.Migration):
    initial = True
    dependencies = [
        ("conversations", "0002_team_waiting_index"),
        ("customers", "0002_identity_kind_visitor"),
    ]
    operations = [
        migrations.RunPython(create, drop),
        migrations.CreateModel(
            name="CustomerDoc",
            fields=[
                (
                    "customer",
                    models.OneToOneField(
                        db_column="rowid",
                        db_constraint=False,
                        on_delete=models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="customers.customer",
                    ),
                ),
                ("body", models.TextField()),
            ],
            options={"db_table": "search_customer", "managed": False},
        ),
        migrations.CreateModel(
            name="MessageDoc",
            fields=[
                (
                    "message",
                    models.OneToOneField(
                        db_column="rowid",
                        db_constraint=False,
                        on_delete=models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="conversations.message",
                    ),
                ),
                ("body", models.TextField()),
            ],
            options={"db_table": "search_message", "managed": False},
        ),
    ]
