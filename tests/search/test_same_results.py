"""The same searches give the same results on SQLite and on PostgreSQL (issue 17).

Each database runs ``backends.py`` in its own process over the same data, written through
the actions; newest-first results and their snippets must be equal, best-match results
equal as sets (bm25 and ts_rank order differently), refusals equal word for word.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = os.environ.get(
    "RAPPORT_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rapport_search"
)


def results_on(database_url: str | None) -> dict[str, object]:
    # Its own data directory too: the SQLite test database is a file in it.
    skip = {"DATABASE_URL", "REDIS_URL", "RAPPORT_DATA_DIR"}
    env = {k: v for k, v in os.environ.items() if k not in skip}
    if database_url:
        env["DATABASE_URL"] = database_url
    done = subprocess.run(
        [sys.executable, "-m", "tests.search.backends"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_sqlite_and_postgresql_find_the_same():
    sqlite = results_on(None)
    # A database of its own: in the PostgreSQL pass this process holds POSTGRES's test one.
    postgres = results_on(f"{POSTGRES}_compare")

    assert sqlite.keys() == postgres.keys()
    differing = {q: (sqlite[q], postgres[q]) for q in sqlite if sqlite[q] != postgres[q]}
    assert differing == {}
    assert sum(bool(r) and "refused" not in r for r in sqlite.values()) > 30  # not all empty
