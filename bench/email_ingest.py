"""E-mail ingestion benchmark.

1. Parse throughput: every message of the shared corpora (../shared/data) through
   ``parse_email`` (and the quote splitter), messages per second.
2. End to end: 10,000 messages in a real Dovecot IMAP mailbox, fetched by the poller and
   stored as conversations (raw kept, parsed, threaded, details written), messages per
   second — on SQLite and, with ``--postgres``, on PostgreSQL (database rapport_bench_email).

Run: ``.venv/bin/python bench/email_ingest.py [--messages 10000] [--postgres URL] [--record]``
(needs Dovecot: ``apt-get install -y dovecot-imapd``). ``--record`` adds the result, with
the machine, date and load, to the E-mail section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "../shared/data"
CORPORA = (
    "cpython-email-testdata",
    "flanker-email-fixtures",
    "talon-email-fixtures",
    "email-reply-parser-fixtures",
)


def corpus() -> list[bytes]:
    messages = []
    for folder in CORPORA:
        for path in sorted((DATA / folder).rglob("*")):
            if path.is_file() and path.name not in ("README.md", "LICENSE"):
                data = path.read_bytes()
                if path.suffix in (".txt", ".html") and folder in CORPORA[2:]:
                    kind = "html" if path.suffix == ".html" else "plain"
                    data = (
                        f"From: f@mail.example\r\nContent-Type: text/{kind}\r\n\r\n".encode() + data
                    )
                messages.append(data)
    return messages


def parse_throughput(rounds: int = 5) -> tuple[int, float]:
    from rapport.inboxes.adapters.email.parse import parse_email
    from rapport.inboxes.adapters.email.quotes import split_reply

    messages = corpus()
    started = time.perf_counter()
    for _ in range(rounds):
        for raw in messages:
            split_reply(parse_email(raw).text)
    elapsed = time.perf_counter() - started
    return len(messages), len(messages) * rounds / elapsed


def make_messages(count: int, seed: int = 7) -> list[bytes]:
    """Realistic small mails: 2,000 customers, a fifth of them replies in a thread."""
    rng = random.Random(seed)
    sent: dict[int, str] = {}
    out = []
    for number in range(count):
        customer = rng.randrange(2000)
        message_id = f"<bench{number}@mail{customer % 50}.example>"
        headers = ""
        if customer in sent and rng.random() < 0.2:
            headers = f"In-Reply-To: {sent[customer]}\r\nReferences: {sent[customer]}\r\n"
        sent[customer] = message_id
        body = (
            f"Hello,\r\n\r\nmy order {rng.randrange(10**6)} has not arrived yet. "
            "Could you check where it is?\r\n\r\nThanks,\r\nCustomer\r\n"
        )
        if headers:
            body += (
                "\r\nOn Mon, 2 Jun 2025 at 10:00, Shop <support@shop.example> wrote:\r\n"
                "> Sorry!\r\n"
            )
        out.append(
            (
                f"From: Customer {customer} <c{customer}@mail{customer % 50}.example>\r\n"
                f"To: support@shop.example\r\nSubject: Order question {number}\r\n"
                f"Message-ID: {message_id}\r\n{headers}Date: Mon, 2 Jun 2025 10:00:00 +0000\r\n"
                "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body
            ).encode()
        )
    return out


def fill_maildir(dovecot: object, messages: list[bytes]) -> None:
    """Deliver straight into the Maildir (as a local delivery agent would)."""
    maildir = dovecot.root / "home" / "Maildir" / "new"  # type: ignore[attr-defined]
    maildir.mkdir(parents=True, exist_ok=True)
    stat = maildir.parent.stat()
    for index, raw in enumerate(messages):
        path = maildir / f"{1700000000 + index}.M{index}P1.bench"
        path.write_bytes(raw)
        os.chown(path, stat.st_uid, stat.st_gid)
    os.chown(maildir, stat.st_uid, stat.st_gid)


def end_to_end(count: int) -> tuple[float, int]:
    from django.core.management import call_command

    from rapport.conversations.models import Conversation, Message
    from rapport.inboxes.adapters.email import imap
    from rapport.inboxes.models import Inbox, InboxKind
    from tests.email.servers import Dovecot

    call_command("migrate", verbosity=0)
    dovecot = Dovecot()
    try:
        fill_maildir(dovecot, make_messages(count))
        dovecot.start()
        inbox = Inbox.objects.create(
            name="Bench",
            kind=InboxKind.EMAIL,
            config={
                "addresses": ["support@shop.example"],
                "imap": dovecot.imap_settings(timeout=120),
            },
        )
        started = time.perf_counter()
        result = imap.poll(inbox)
        elapsed = time.perf_counter() - started
        assert result.fetched == count, result
        assert Message.objects.filter(inbox=inbox).count() == count
        conversations = Conversation.objects.filter(inbox=inbox).count()
        return count / elapsed, conversations
    finally:
        dovecot.remove()


def setup_django(database_url: str | None) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("RAPPORT_DATA_DIR", tempfile.mkdtemp(prefix="rapport-bench-email-"))
    os.environ["RAPPORT_JOBS_IMMEDIATE"] = "1"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "rapport.config.settings"
    import django

    django.setup()


def recreate_postgres(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


RUNS_HEADING = "### End-to-end runs"


def record(line: str) -> None:
    """Add ``line`` to the runs table in the E-mail section of docs/benchmarks.md."""
    doc = ROOT / "docs" / "benchmarks.md"
    text = doc.read_text()
    if RUNS_HEADING not in text:
        table = (
            f"{RUNS_HEADING}\n\n(`bench/email_ingest.py --record`)\n\n"
            "| date (UTC) | database | messages | conversations | messages/s | parse pool "
            "| machine | load (1/5/15 min) |\n|---|---|---|---|---|---|---|---|\n"
        )
        text = text.replace("### Quote stripping", f"{table}\n### Quote stripping", 1)
    head, _, rest = text.partition(RUNS_HEADING)
    end = rest.index("\n\n### ")  # the end of the runs table
    doc.write_text(head + RUNS_HEADING + rest[:end] + "\n" + line + rest[end:])


def machine() -> str:
    cpu = ""
    try:
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                cpu = row.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores {cpu}, Python {platform.python_version()}".strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument(
        "--postgres", help="e.g. postgres://postgres@127.0.0.1:5432/rapport_bench_email"
    )
    parser.add_argument("--record", action="store_true", help="add to docs/benchmarks.md")
    args = parser.parse_args()
    if args.postgres:
        recreate_postgres(args.postgres)
    setup_django(args.postgres)
    count, rate = parse_throughput()
    print(f"parse: {count} corpus messages, {rate:,.0f} messages/s (parse + quote split)")
    engine = "PostgreSQL" if args.postgres else "SQLite"
    e2e, conversations = end_to_end(args.messages)
    print(
        f"end to end ({engine}): {args.messages} messages from IMAP into {conversations} "
        f"conversations, {e2e:,.0f} messages/s"
    )
    if args.record:
        from django.utils import timezone

        from rapport.inboxes.adapters.email import pool

        load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
        print(f"load average: {load}")
        record(
            f"| {timezone.now():%Y-%m-%d %H:%M} | {engine} | {args.messages:,} | "
            f"{conversations:,} | **{e2e:,.0f}** | {'on' if pool.enabled() else 'off'} | "
            f"{machine()} | {load} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
