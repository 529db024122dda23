"""SQLite: ``search_message`` again, cheaper to write (issue 17: indexing cost 15 % of ingest).

- Prefix index for 3 letters only: the 2-letter one was a third copy of every posting,
  written with each message. A word of 1 or 2 letters is now searched as a whole word
  (on both databases, ``syntax.MIN_PREFIX``), so nothing needs it.
- ``automerge`` 16 instead of 4: FTS5 merges its small per-commit segments less often
  while writing (each message is its own commit); a search reads a few more segments.

The rows are copied across, so an installation keeps its index. PostgreSQL: nothing.
"""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2'"
NEW = f"CREATE VIRTUAL TABLE search_message_new USING fts5(body, {TOKENIZE}, prefix = '{{prefix}}')"
AUTOMERGE = "INSERT INTO search_message_new (search_message_new, rank) VALUES ('automerge', {n})"


def _recreate(schema_editor: BaseDatabaseSchemaEditor, prefix: str, automerge: int) -> None:
    if schema_editor.connection.vendor == "postgresql":
        return
    schema_editor.execute(NEW.format(prefix=prefix))
    schema_editor.execute(AUTOMERGE.format(n=automerge))
    schema_editor.execute(
        "INSERT INTO search_message_new (rowid, body) SELECT rowid, body FROM search_message"
    )
    schema_editor.execute("DROP TABLE search_message")
    schema_editor.execute("ALTER TABLE search_message_new RENAME TO search_message")


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _recreate(schema_editor, "3", 16)


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _recreate(schema_editor, "2 3", 4)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
