"""Search at scale: build the index on a generated help desk, then time searches.

    .venv/bin/python bench/search.py --source /tmp/rapport-bench/sqlite-1000000   # copies it first
    .venv/bin/python bench/search.py --db postgres --name rapport_bench_search    # generated PG db

The source directory (``bench/generate.py``'s) is copied to ``sqlite-search-<n>`` before
the index is built in it, so the shared copy stays as it was. Then: ``migrate`` (the search
tables), ``rapport reindex`` timed (wall and CPU), the index's size, and for each case the
newest 20 results, ``--repeat`` times, for the benchmark's agent (a member of 2 of the 5
inboxes) without and with an ``inbox:`` filter, and for an admin. Cases: a common word, a
rare word, a word in no message, a phrase, and a customer's e-mail address (the customer
search the box runs beside the messages). Times are in-process (the selector, from the
query text to the rendered snippets), p50/p95 in ms, CPU per search beside them.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

if __name__ == "__main__":  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    BENCH_ROOT,
    Timing,
    append_to_docs,
    command_line,
    markdown_table,
    ms,
    setup_django,
    target_for,
)
from bench.generate import ADMIN_EMAIL, BENCH_AGENT_EMAIL

CASES = [  # label, query (for the agent); the e-mail case searches customers
    ("common word", "order"),
    ("rare word", "{rare}"),
    ("zero-hit word", "zyxwvutq"),
    ("phrase", '"charged twice"'),
    ("customer e-mail", "{email}"),
]


def copy_source(source: Path, target_dir: Path) -> None:
    if target_dir.exists():
        return  # already copied (and maybe indexed) by an earlier run
    print(f"copying {source} to {target_dir} …", flush=True)
    shutil.copytree(source, target_dir, symlinks=True)


def build_index() -> dict[str, float]:
    from django.core.management import call_command

    from rapport.search.reindex import progress_bar, rebuild

    call_command("migrate", verbosity=0)
    wall, cpu = time.perf_counter(), time.process_time()
    messages, customers = rebuild(progress_bar(sys.stderr))
    return {
        "messages": messages,
        "customers": customers,
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
    }


def index_size() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_total_relation_size('search_message')"
                " + pg_total_relation_size('search_customer'),"
                " pg_total_relation_size('conversations_message')"
            )
            index, messages = cursor.fetchone()
        else:  # dbstat: every page of the FTS5 tables' shadow tables
            cursor.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'search_%'")
            index = cursor.fetchone()[0] or 0
            cursor.execute("SELECT SUM(pgsize) FROM dbstat WHERE name = 'conversations_message'")
            messages = cursor.fetchone()[0] or 0
    return f"{index / 2**20:,.0f} MiB (the messages table: {messages / 2**20:,.0f} MiB)"


def sample_values(agent: object) -> dict[str, str]:
    """A rare word (an invoice number: the generator draws texts from a pool of 750, so
    one number is in about 1 message of 2,000) and the e-mail address of a customer the
    agent may see."""
    import re

    from rapport.conversations.models import Message
    from rapport.customers.selectors import visible_customers

    texts = Message.objects.filter(text__contains="for invoice ").order_by("-pk")
    text = texts.values_list("text", flat=True)[:1].get()
    rare = re.findall(r"invoice (\d+)", text)
    customers = visible_customers(agent).exclude(email="").order_by("-pk")  # type: ignore[arg-type]
    email = customers.values_list("email", flat=True)[:1].get()
    return {"rare": rare[0] if rare else "48213", "email": email}


def time_case(user, text: str, *, customers: bool, repeat: int) -> tuple[Timing, float, int]:  # type: ignore[no-untyped-def]
    from rapport.search.query import parse
    from rapport.search.selectors import search_customers, search_messages

    samples, cpu, found = [], 0.0, 0
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        if customers:
            found = len(search_customers(user, text, limit=8))
        else:
            found = len(search_messages(user, parse(text), limit=20).hits)
        samples.append((time.perf_counter() - started) * 1000)
        cpu += time.process_time() - cpu_started
    return Timing(samples), cpu / repeat * 1000, found


def run_cases(repeat: int) -> list[list[object]]:
    from rapport.accounts.models import User
    from rapport.inboxes.selectors import visible_inboxes

    agent = User.objects.get(email=BENCH_AGENT_EMAIL)
    admin = User.objects.get(email=ADMIN_EMAIL)
    inbox = visible_inboxes(agent).order_by("pk")[0]
    values = sample_values(agent)
    rows = []
    for label, pattern in CASES:
        text = pattern.format(**values)
        customers = label == "customer e-mail"
        variants = [("agent (2 of 5 inboxes)", agent, text), ("admin (all inboxes)", admin, text)]
        if not customers:
            variants.insert(
                1, (f"agent, inbox:{inbox.name}", agent, f'{text} inbox:"{inbox.name}"')
            )
        for who, user, query in variants:
            time_case(user, query, customers=customers, repeat=2)  # warm the page cache
            timing, cpu, found = time_case(user, query, customers=customers, repeat=repeat)
            rows.append(
                [label, f"`{query}`", who, found, ms(timing.p50), f"**{ms(timing.p95)}**", ms(cpu)]
            )
            print(rows[-1], flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--source", type=Path, help="SQLite: bench/generate.py's directory to copy")
    parser.add_argument("--name", default="search-1000000", help="the copy's name / PG database")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--skip-build", action="store_true", help="the index is already built")
    parser.add_argument("--append-docs", action="store_true")
    args = parser.parse_args(argv)
    target = target_for(args.db, args.name)
    if args.db == "sqlite" and args.source:
        copy_source(args.source, BENCH_ROOT / f"sqlite-{args.name}")
    setup_django(target)
    from rapport.conversations.models import Conversation, Message

    built = None if args.skip_build else build_index()
    rows = run_cases(args.repeat)
    size = index_size()
    scale = f"{Conversation.objects.count():,} conversations, {Message.objects.count():,} messages"
    body = (
        f"{target.engine}; {scale}; newest 20 results, {args.repeat} runs each after 2 warm-up"
        " runs, in-process (query text → rendered snippets); the machine is shared with other"
        " helpers' work, so CPU time is given beside wall time.\n\n"
        + markdown_table(["case", "query", "who", "results", "p50 ms", "p95 ms", "CPU ms"], rows)
        + f"\n\n- Index size: {size}\n"
        + (
            f"- Build (`rapport reindex`): {built['messages']:,.0f} messages and"
            f" {built['customers']:,.0f} customers in {built['wall']:,.0f} s"
            f" ({built['cpu']:,.0f} s CPU)\n"
            if built
            else ""
        )
    )
    print("\n" + body)
    if args.append_docs:
        append_to_docs(f"Search, {target.engine}", command_line(), body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
