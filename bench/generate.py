"""Generate a large help desk for the benchmarks: N conversations and about 5N messages.

    .venv/bin/python bench/generate.py --conversations 1000000            # SQLite
    .venv/bin/python bench/generate.py --conversations 1000000 --db postgres
    .venv/bin/python bench/generate.py --quick                           # 10,000, seconds

Migrations run first. Staff, inboxes and tags go through the ORM; customers, identities,
conversations, messages and tags are bulk-loaded (SQLite: ``executemany`` in large
batches inside transactions; PostgreSQL: ``COPY``), with the secondary indexes dropped
during the load and rebuilt after. Then the tab-count table is rebuilt and the planner
statistics refreshed (ANALYZE). The data lives outside the repository (/tmp/rapport-bench).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    Target,
    append_to_docs,
    command_line,
    markdown_table,
    recreate_postgres_database,
    setup_django,
    target_for,
)

BATCH_ROWS = 50_000
PASSWORD = "bench-password"  # every generated staff member's password  # noqa: S105
BENCH_AGENT_EMAIL = "agent01@bench.rapport.test"
ADMIN_EMAIL = "admin@bench.rapport.test"
LOADED_TABLES = (
    "customers_customer",
    "customers_identity",
    "conversations_conversation",
    "conversations_message",
    "conversations_conversation_tags",
)


@dataclass
class Generated:
    conversations: int
    messages: int
    seconds: dict[str, float]

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def default_name(db: str, conversations: int) -> str:
    if db == "postgres":
        return "rapport_bench" if conversations == 1_000_000 else f"rapport_bench_{conversations}"
    return str(conversations)


def read_meta(target: Target) -> dict[str, str]:
    """What generate.py wrote into the database's ``bench_meta`` table; {} if none."""
    try:
        if target.is_postgres:
            import psycopg

            with psycopg.connect(target.database_url, connect_timeout=3) as conn:
                return dict(conn.execute("SELECT key, value FROM bench_meta").fetchall())
        path = target.database_url.removeprefix("sqlite:///")
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            return dict(conn.execute("SELECT key, value FROM bench_meta").fetchall())
    except Exception:
        return {}


def reset(target: Target) -> None:
    """Start from an empty database (before Django connects to it)."""
    if target.is_postgres:
        recreate_postgres_database(target.pg_name)
    elif target.data_dir.exists():
        shutil.rmtree(target.data_dir)


def _create_staff(now: Any) -> Any:
    from django.contrib.auth.hashers import make_password

    from bench.dataset import BENCH_AGENT_INBOXES, INBOXES, TAGS, TEAMS, Staff
    from rapport.accounts.models import Role, Team, User
    from rapport.conversations.models import Tag
    from rapport.inboxes.models import Inbox

    password = make_password(PASSWORD)
    inboxes = [Inbox.objects.create(name=name, kind=kind) for name, kind, _ in INBOXES]
    User.objects.create(
        email=ADMIN_EMAIL,
        name="Bench Admin",
        role=Role.ADMIN,
        password=password,
        is_staff=True,
        is_superuser=True,
    )
    teams = [Team.objects.create(name=name) for name, _ in TEAMS]
    members: dict[int, list[int]] = defaultdict(list)
    teams_of: dict[int, list[int]] = {}
    import random

    rng = random.Random(42)
    number = 0
    for team, (_, size) in zip(teams, TEAMS, strict=True):
        for _ in range(size):
            number += 1
            agent = User.objects.create(
                email=f"agent{number:02d}@bench.rapport.test",
                name=f"Agent {number:02d}",
                role=Role.AGENT,
                password=password,
            )
            team.members.add(agent)
            teams_of[agent.pk] = [team.pk]
            chosen = (
                [inboxes[i - 1] for i in BENCH_AGENT_INBOXES]
                if number == 1
                else rng.sample(inboxes, rng.choice([2, 2, 3]))
            )
            for inbox in chosen:
                inbox.members.add(agent)
                members[inbox.pk].append(agent.pk)
    for inbox in inboxes:  # every inbox needs someone to work it
        if not members[inbox.pk]:
            agent_id = rng.choice(list(teams_of))
            inbox.members.add(agent_id)
            members[inbox.pk].append(agent_id)
    tags = [Tag.objects.create(name=name) for name in TAGS]
    return Staff(
        inbox_ids=[i.pk for i in inboxes],
        members=dict(members),
        teams_of=teams_of,
        tag_ids=[t.pk for t in tags],
        team_ids=[t.pk for t in teams],
    )


class Loader:
    """Bulk-loads (table, row) pairs in batches; drops and rebuilds secondary indexes."""

    def __init__(self, raw: Any, postgres: bool) -> None:
        self.raw = raw
        self.postgres = postgres
        self.indexes: list[tuple[str, str]] = []

    def drop_indexes(self) -> None:
        if self.postgres:
            self.indexes = self.raw.execute(
                "SELECT indexname, indexdef FROM pg_indexes i WHERE tablename = ANY(%s) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                (list(LOADED_TABLES),),
            ).fetchall()
        else:
            marks = ",".join("?" for _ in LOADED_TABLES)
            self.indexes = self.raw.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "  # noqa: S608 - table names are constants
                f"AND tbl_name IN ({marks})",
                LOADED_TABLES,
            ).fetchall()
        for name, _ in self.indexes:
            self.raw.execute(f'DROP INDEX "{name}"')

    def rebuild_indexes(self) -> None:
        for _, sql in self.indexes:
            self.raw.execute(sql)

    def load(
        self, rows: Iterable[tuple[str, tuple[object, ...]]], progress: Callable[[int], None]
    ) -> int:
        batches: dict[str, list[tuple[object, ...]]] = defaultdict(list)
        pending = total = 0
        for table, row in rows:
            batches[table].append(row)
            pending += 1
            if pending >= BATCH_ROWS:
                self._flush(batches)
                total += pending
                pending = 0
                progress(total)
        self._flush(batches)
        return total + pending

    def _flush(self, batches: dict[str, list[tuple[object, ...]]]) -> None:
        from bench.dataset import COLUMNS

        if self.postgres:
            with self.raw.transaction(), self.raw.cursor() as cursor:
                for table, rows in batches.items():
                    columns = ", ".join(COLUMNS[table])
                    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
        else:
            self.raw.execute("BEGIN")
            for table, rows in batches.items():
                columns = COLUMNS[table]
                marks = ",".join("?" for _ in columns)
                self.raw.executemany(
                    f"INSERT INTO {table} ({','.join(columns)}) VALUES ({marks})",  # noqa: S608
                    rows,
                )
            self.raw.execute("COMMIT")
        batches.clear()


def populate(
    target: Target, conversations: int, seed: int = 1, log: Callable[[str], None] = print
) -> Generated:
    """Migrate the (empty) database set up by ``setup_django`` and fill it."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from bench.dataset import Plan, conversation_rows, customer_rows
    from rapport.conversations import counts

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    now = timezone.now()
    staff = _create_staff(now)
    seconds["migrate + staff"] = time.perf_counter() - started

    connection.ensure_connection()
    raw = connection.connection
    if target.is_postgres:
        raw.execute("SET session_replication_role = replica")  # no FK triggers while loading
        raw.execute("SET maintenance_work_mem = '1GB'")
        raw.execute("SET synchronous_commit = off")
    else:
        raw.execute("PRAGMA foreign_keys = OFF")
        raw.execute("PRAGMA synchronous = OFF")
        raw.execute("PRAGMA cache_size = -1048576")
    loader = Loader(raw, target.is_postgres)
    loader.drop_indexes()

    plan = Plan(conversations=conversations, seed=seed, now_us=int(now.timestamp() * 1_000_000))
    step = time.perf_counter()
    message_count = 0

    def rows() -> Iterator[tuple[str, tuple[object, ...]]]:
        nonlocal message_count
        yield from customer_rows(plan)
        for table, row in conversation_rows(plan, staff):
            if table == "conversations_message":
                message_count += 1
            yield table, row

    def progress(done: int) -> None:
        if done % 1_000_000 < BATCH_ROWS:
            log(f"  {done:,} rows loaded ({time.perf_counter() - step:.0f} s)")

    loader.load(rows(), progress)
    seconds["bulk load"] = time.perf_counter() - step
    step = time.perf_counter()
    loader.rebuild_indexes()
    if target.is_postgres:
        for table in LOADED_TABLES:
            raw.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        raw.execute("SET session_replication_role = DEFAULT")
    else:
        raw.execute("PRAGMA foreign_keys = ON")
        raw.execute("PRAGMA synchronous = NORMAL")
    seconds["indexes"] = time.perf_counter() - step

    step = time.perf_counter()
    counts.recount()
    seconds["recount"] = time.perf_counter() - step
    step = time.perf_counter()
    raw.execute("VACUUM ANALYZE" if target.is_postgres else "ANALYZE")
    seconds["analyze"] = time.perf_counter() - step

    meta = {
        "conversations": str(conversations),
        "messages": str(message_count),
        "seed": str(seed),
        "seconds": json.dumps(seconds),
    }
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_meta (key VARCHAR(50) PRIMARY KEY, value TEXT)")
        for key, value in meta.items():
            cursor.execute("INSERT INTO bench_meta (key, value) VALUES (%s, %s)", [key, value])
    return Generated(conversations, message_count, seconds)


def database_size(target: Target) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if target.is_postgres:
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            return str(cursor.fetchone()[0])
    path = Path(target.database_url.removeprefix("sqlite:///"))
    return f"{path.stat().st_size / 2**30:.2f} GiB"


def report(target: Target, result: Generated) -> str:
    rows = [[phase, f"{value:.1f}"] for phase, value in result.seconds.items()]
    rows.append(["**total**", f"**{result.total:.1f}**"])
    return (
        f"{target.engine}: {result.conversations:,} conversations, {result.messages:,} messages, "
        f"database {database_size(target)}\n\n" + markdown_table(["phase", "seconds"], rows)
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="10,000 conversations")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", help="instead of --db: an explicit DATABASE_URL")
    parser.add_argument("--name", help="SQLite directory / PostgreSQL database name")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--append-docs", action="store_true", help="append to docs/benchmarks.md")
    args = parser.parse_args()
    n = 10_000 if args.quick else args.conversations
    target = target_for(args.db, args.name or default_name(args.db, n), args.database_url)
    reset(target)
    setup_django(target)
    print(f"generating {n:,} conversations into {target.database_url}")
    result = populate(target, n, seed=args.seed)
    body = report(target, result)
    print(body)
    if args.append_docs:
        append_to_docs(f"Generation, {target.engine}, {n:,} conversations", command_line(), body)


if __name__ == "__main__":
    main()
