"""SQLite: ``search_message`` merges its segments less often while written (issue 17:
indexing cost 15 % of ingest).

Every message is its own commit, and FTS5 writes each commit as a new small segment and
merges segments as they pile up (``automerge``, 4 by default). At 16 it merges less often
while writing; a search reads a few more segments. The setting is kept in the table.
PostgreSQL: nothing.
"""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

AUTOMERGE = "INSERT INTO search_message (search_message, rank) VALUES ('automerge', {n})"


def _automerge(schema_editor: BaseDatabaseSchemaEditor, n: int) -> None:
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute(AUTOMERGE.format(n=n))


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _automerge(schema_editor, 16)


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _automerge(schema_editor, 4)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
