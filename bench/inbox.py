"""Server-side timings of the agent's reads on a large help desk.

    .venv/bin/python bench/inbox.py --conversations 1000000              # SQLite, 1M / 5M
    .venv/bin/python bench/inbox.py --conversations 1000000 --db postgres
    .venv/bin/python bench/inbox.py --quick                              # 10,000, < 1 min

Generates the data set first when the database does not hold one of that size (see
generate.py). Every case runs in this process through Django's test ``Client`` (full
middleware, session or token auth, template rendering; no network), warms up, then takes
``--samples`` timings with ``time.perf_counter()``; one more request under
``CaptureQueriesContext`` counts its SQL statements. Users: an admin (sees all 5 inboxes)
and an agent who is a member of 2 of the 5.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    Target,
    Timing,
    append_to_docs,
    command_line,
    markdown_table,
    ms,
    setup_django,
    target_for,
)
from bench.generate import ADMIN_EMAIL, BENCH_AGENT_EMAIL, default_name, populate, read_meta, reset

STATUSES = [
    ("open", "newest"),
    ("pending", "newest"),
    ("snoozed", "newest"),
    ("resolved", "newest"),
    ("open", "waiting"),
]
TARGET_MS = {
    "inbox page": 50.0,
    "conversation page": 50.0,
    "API list": 30.0,
    "tab counts": 10.0,
    "list selector": None,
}


@dataclass
class Case:
    group: str  # one of TARGET_MS
    name: str
    user: str
    run: Callable[[int], Any]  # called with the sample number


@dataclass
class Result:
    case: Case
    timing: Timing  # wall-clock time
    cpu: Timing  # this thread's CPU time: what the machine's other load cannot inflate
    queries: int
    slowest_sql: str

    @property
    def target(self) -> float | None:
        return TARGET_MS[self.case.group]

    @property
    def ok(self) -> bool:
        return self.target is None or self.timing.p95 <= self.target


def url_exists(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(path)
        return True
    except Resolver404:
        return False


def _get(client: Any, url: str, **headers: str) -> Callable[[int], None]:
    def run(_: int) -> None:
        response = client.get(url, **headers)
        if response.status_code != 200:
            raise SystemExit(
                f"GET {url} answered {response.status_code}: {response.content[:300]!r}"
            )

    return run


def build_cases(surfaces: set[str], seed: int) -> tuple[list[Case], list[str]]:
    """Every case for both users; plus notes about surfaces that are not there yet."""
    from django.db import connection
    from django.test import Client

    from rapport.accounts.models import Team, User
    from rapport.accounts.tokens import create_token
    from rapport.conversations import selectors
    from rapport.inboxes.selectors import visible_inbox_ids

    notes: list[str] = []
    rng = random.Random(seed)
    admin = User.objects.get(email=ADMIN_EMAIL)
    agent = User.objects.get(email=BENCH_AGENT_EMAIL)
    team = Team.objects.filter(members=agent).order_by("id").first()
    assert team is not None
    views = ["mine", "unassigned", "all", f"team:{team.pk}"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM conversations_conversation")
        max_id = int(cursor.fetchone()[0])
    has_inbox = url_exists("/inbox")
    has_conversation = url_exists("/conversations/1")
    has_api = url_exists("/api/v1/conversations")
    for present, what in [
        (has_inbox, "/inbox"),
        (has_conversation, "/conversations/<id>"),
        (has_api, "/api/v1/conversations"),
    ]:
        if not present:
            notes.append(f"{what} does not exist yet: not measured")
    cases: list[Case] = []
    for label, user in [("admin", admin), ("agent", agent)]:
        client = Client()
        client.force_login(user)
        _, token = create_token(user=user, name="bench")
        bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        for view in views:
            for status, sort in STATUSES:
                query = f"view={view}&status={status}" + (
                    "&sort=waiting" if sort == "waiting" else ""
                )
                name = f"{view.split(':')[0]} · {status}" + (
                    " · waiting" if sort == "waiting" else ""
                )
                if "selectors" in surfaces:
                    filters = selectors.ConversationFilter(view=view, status=status, sort=sort)

                    def list_page(_: int, user: User = user, filters: Any = filters) -> None:
                        fresh = User.objects.get(pk=user.pk)  # no cached inbox ids, as per request
                        page = selectors.list_conversations(fresh, filters)
                        [(c.customer, c.assignee, list(c.tags.all())) for c in page.items]

                    cases.append(Case("list selector", name, label, list_page))
                if "pages" in surfaces and has_inbox:
                    cases.append(Case("inbox page", name, label, _get(client, f"/inbox?{query}")))
                if "api" in surfaces and has_api:
                    cases.append(
                        Case(
                            "API list",
                            name,
                            label,
                            _get(client, f"/api/v1/conversations?{query}", **bearer),
                        )
                    )
        if "pages" in surfaces and has_conversation:
            inboxes = set(visible_inbox_ids(user))
            ids = _visible_ids(rng, max_id, None if user.sees_all_inboxes else inboxes)

            def conversation_page(i: int, client: Any = client, ids: list[int] = ids) -> None:
                _get(client, f"/conversations/{ids[i % len(ids)]}")(i)

            cases.append(Case("conversation page", "random id", label, conversation_page))
        if "selectors" in surfaces or "pages" in surfaces:

            def badges(_: int, user: User = user) -> None:
                fresh = User.objects.get(pk=user.pk)
                selectors.tab_counts(fresh)

            cases.append(Case("tab counts", "open · mine · unassigned", label, badges))
    return cases, notes


def _visible_ids(rng: random.Random, max_id: int, inboxes: set[int] | None) -> list[int]:
    from rapport.conversations.models import Conversation

    sample = rng.sample(range(1, max_id + 1), min(max_id, 5000))
    rows = Conversation.objects.filter(pk__in=sample)
    if inboxes is not None:
        rows = rows.filter(inbox_id__in=inboxes)
    ids = list(rows.values_list("pk", flat=True))
    rng.shuffle(ids)
    return ids


def measure(case: Case, warmup: int, samples: int) -> Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(warmup):
        case.run(10_000 + i)
    timings, cpu = [], []
    for i in range(samples):
        started, started_cpu = time.perf_counter(), time.thread_time()
        case.run(i)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    with CaptureQueriesContext(connection) as captured:
        case.run(samples)
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]), default={"sql": ""})
    return Result(
        case, Timing(timings), Timing(cpu), len(captured.captured_queries), slowest["sql"]
    )


def explain(sql: str) -> str:
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        return "\n".join("  " + " ".join(str(c) for c in row) for row in cursor.fetchall())


def results_table(results: list[Result]) -> str:
    rows = []
    for r in results:
        target = f"≤ {r.target:.0f}" if r.target else "—"
        verdict = "✅" if r.ok and r.target else ("—" if not r.target else "❌")
        rows.append(
            [
                r.case.group,
                r.case.name,
                r.case.user,
                ms(r.timing.p50),
                ms(r.timing.p95),
                ms(r.timing.p99),
                ms(r.cpu.p95),
                r.queries,
                target,
                verdict,
            ]
        )
    return markdown_table(
        [
            "surface",
            "case (view · status tab · sort)",
            "user",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "CPU p95 ms",
            "queries",
            "target p95",
            "met",
        ],
        rows,
    )


def summary(results: list[Result]) -> str:
    lines = []
    for group, target in TARGET_MS.items():
        mine = [r for r in results if r.case.group == group]
        if not mine:
            continue
        worst = max(mine, key=lambda r: r.timing.p95)
        worst_cpu = max(r.cpu.p95 for r in mine)
        line = (
            f"- {group}: worst p95 {ms(worst.timing.p95)} ms ({worst.case.name}, "
            f"{worst.case.user}); worst CPU p95 {ms(worst_cpu)} ms; {len(mine)} cases"
        )
        if target is not None:
            met = sum(r.ok for r in mine)
            cpu_met = sum(r.cpu.p95 <= target for r in mine)
            line += (
                f"; p95 ≤ {target:.0f} ms in {met}/{len(mine)} cases "
                f"(CPU time: {cpu_met}/{len(mine)})"
            )
        lines.append(line)
    return "\n".join(lines)


def prepare(target: Target, conversations: int, regenerate: bool, seed: int) -> str:
    """Make sure ``target`` holds a data set of that size; returns what was done."""
    meta = read_meta(target)
    if not regenerate and meta.get("conversations") == str(conversations):
        setup_django(target)
        return f"reused {conversations:,} conversations / {int(meta['messages']):,} messages"
    reset(target)
    setup_django(target)
    result = populate(target, conversations, seed=seed)
    return (
        f"generated {result.conversations:,} conversations / {result.messages:,} messages "
        f"in {result.total:.0f} s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int)
    parser.add_argument("--quick", action="store_true", help="10,000 conversations, few samples")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", help="instead of --db: an explicit DATABASE_URL")
    parser.add_argument("--name", help="SQLite directory / PostgreSQL database name")
    parser.add_argument("--samples", type=int, help="timed requests per case (default 200)")
    parser.add_argument("--warmup", type=int, help="untimed requests per case (default 20)")
    parser.add_argument(
        "--only", default="pages,api,selectors", help="surfaces: pages,api,selectors"
    )
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--explain", action="store_true", help="print the plan of each case's slowest query"
    )
    parser.add_argument("--append-docs", action="store_true", help="append to docs/benchmarks.md")
    args = parser.parse_args(argv)
    n = args.conversations or (10_000 if args.quick else 1_000_000)
    samples = args.samples or (30 if args.quick else 200)
    warmup = args.warmup if args.warmup is not None else (5 if args.quick else 20)
    target = target_for(args.db, args.name or default_name(args.db, n), args.database_url)
    print(
        f"{target.engine} at {target.database_url}: "
        + prepare(target, n, args.regenerate, args.seed)
    )
    from django.db import connection

    connection.ensure_connection()
    cases, notes = build_cases(set(args.only.split(",")), args.seed)
    load_before = os.getloadavg()[0]
    results = []
    for case in cases:
        result = measure(case, warmup, samples)
        results.append(result)
        print(
            f"  {case.group:18} {case.name:28} {case.user:6} p50 {ms(result.timing.p50):>6} "
            f"p95 {ms(result.timing.p95):>6} ms  cpu p95 {ms(result.cpu.p95):>6}  "
            f"{result.queries} queries",
            flush=True,
        )
        if args.explain:
            print(explain(result.slowest_sql))
    body = (
        f"{target.engine}, {n:,} conversations; {samples} samples per case after {warmup} warm-up "
        f"requests; times in ms, server-side (in-process test client). Load average "
        f"{load_before:.1f} → {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.\n\n"
        + results_table(results)
        + "\n\n"
        + summary(results)
        + "\n"
        + "".join(f"\nNote: {note}\n" for note in notes)
    )
    print("\n" + body)
    if args.append_docs:
        append_to_docs(f"Inbox reads, {target.engine}, {n:,} conversations", command_line(), body)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
