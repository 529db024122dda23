"""API posts on SQLite while a hostile mail is processed (issue 20): errors, losses, timings.

Each round fires 50 concurrent API-channel posts (``POST /api/v1/inboxes/<id>/messages``,
one thread and one database connection each, through the whole WSGI stack) twice: once
on a quiet database ("quiet"), once the moment a hostile mail starts being parsed
("hostile": an HTML body of 100,000 distinct unclosed formatting elements, about a
second to read — the slowest kind in bench/sanitiser.py). The hostile mail is stored and
processed by ``ingest.process_raw`` in another thread of the same process, as the job of
a webhook or the SMTP listener is. The two kinds take turns, so a change in the shared
machine's load falls on both sides of the ratio.

Reported: per kind, the posts' p50/p99/max in ms, errors (any answer but 201), lost
(posts answered 201 whose message is not stored exactly once), and for the hostile kind
the parse's seconds and how many posts were answered while it ran. Before issue 20's
restructuring the mail was parsed inside its write transaction, which on SQLite held the
one write lock: no post could be answered until the parse was over.

Run: ``.venv/bin/python bench/email_hostile_load.py [--rounds 5] [--posts 50]
[--nodes 100000] [--append-docs]`` (SQLite file database under /tmp/rapport-bench).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    Timing,
    append_to_docs,
    command_line,
    markdown_table,
    ms,
    setup_django,
    target_for,
)


def hostile_mail(nodes: int, number: int) -> bytes:
    """A mail whose HTML body re-opens ``nodes // 2`` formatting elements per paragraph."""
    html = "".join(f'<b class="c{i}"><p>x' for i in range(nodes // 2))
    head = (
        "From: Mallory <mallory@cust.example>\r\nTo: support@shop.example\r\n"
        f"Subject: hostile {number}\r\nMessage-ID: <hostile-{number}@cust.example>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    )
    return head.encode() + html.encode()


@dataclass
class Kind:
    latencies: list[float] = field(default_factory=list)  # ms
    errors: int = 0
    lost: int = 0
    during_parse: int = 0
    parse_seconds: list[float] = field(default_factory=list)


@dataclass
class Setup:
    api_inbox: int
    email_inbox: Any  # an Inbox (Django is set up only after the arguments are read)
    token: str


def set_up() -> Setup:
    from django.core.management import call_command

    from rapport.accounts.models import Role, User
    from rapport.accounts.tokens import create_token
    from rapport.inboxes.models import Inbox, InboxKind

    call_command("migrate", verbosity=0)
    api = Inbox.objects.create(name="Shop API", kind=InboxKind.API)
    email = Inbox.objects.create(
        name="Shop mail", kind=InboxKind.EMAIL, config={"addresses": ["support@shop.example"]}
    )
    agent = User.objects.create_user(
        "integration@bench.rapport.test", "bench-password", name="Integration", role=Role.AGENT
    )
    api.members.add(agent)
    _, token = create_token(user=agent, name="bench hostile load")
    return Setup(api.pk, email, token)


def post_all(setup: Setup, tag: str, posts: int) -> list[tuple[int, float, float]]:
    """``posts`` concurrent posts: (status, started, answered) each, monotonic seconds."""
    from django.db import connection
    from django.test import Client

    start = threading.Barrier(posts)
    answers: list[tuple[int, float, float]] = []

    def send(n: int) -> None:
        client = Client(HTTP_AUTHORIZATION=f"Bearer {setup.token}")
        body = {
            "identity": {"kind": "email", "address": f"kim{n % 10}@mail.example"},
            "text": f"{tag} message {n}",
            "external_id": f"{tag}-{n}",
        }
        try:
            start.wait()
            began = time.monotonic()
            response = client.post(
                f"/api/v1/inboxes/{setup.api_inbox}/messages",
                json.dumps(body),
                content_type="application/json",
            )
            answers.append((response.status_code, began, time.monotonic()))
        except Exception:  # an error, counted as such
            answers.append((0, 0.0, 0.0))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def count(kind: Kind, setup: Setup, tag: str, answers: list[tuple[int, float, float]]) -> None:
    from rapport.conversations.models import Message

    ok = [a for a in answers if a[0] == 201]
    kind.errors += len(answers) - len(ok)
    kind.latencies += [(answered - began) * 1000 for _, began, answered in ok]
    stored = Message.objects.filter(
        inbox_id=setup.api_inbox, external_id__startswith=f"{tag}-"
    ).values_list("external_id", flat=True)
    # Lost: a post with no message; doubled: a message stored twice (the unique external id
    # should make that impossible). Both count against the run.
    kind.lost += len(answers) - len(set(stored)) + (len(stored) - len(set(stored)))


class ParseWatch:
    """When the hostile mail's parse starts and ends (``ingest.parse_email`` wrapped)."""

    def __init__(self) -> None:
        from rapport.inboxes.adapters.email import ingest

        self.started = threading.Event()
        self.window = (0.0, 0.0)
        self._real = ingest.parse_email
        ingest.parse_email = self._parse  # type: ignore[assignment]

    def _parse(self, data: bytes, **limits: object) -> object:
        began = time.monotonic()
        self.started.set()
        try:
            return self._real(data, **limits)  # type: ignore[arg-type]
        finally:
            self.window = (began, time.monotonic())


def hostile_round(setup: Setup, kind: Kind, tag: str, nodes: int, posts: int) -> None:
    from django.db import connection

    from rapport.inboxes.adapters.email.ingest import process_raw, store_raw
    from rapport.inboxes.adapters.email.models import RawState

    watch = ParseWatch()
    data = hostile_mail(nodes, int(time.time() * 1000))
    raw, _ = store_raw(setup.email_inbox, data, source="smtp")

    def process() -> None:
        try:
            process_raw(raw)
        finally:
            connection.close()

    worker = threading.Thread(target=process)
    worker.start()
    watch.started.wait(30)
    answers = post_all(setup, tag, posts)
    worker.join()
    began, ended = watch.window
    kind.parse_seconds.append(ended - began)
    kind.during_parse += sum(1 for status, _, answered in answers if status and answered < ended)
    count(kind, setup, tag, answers)
    raw.refresh_from_db()
    if raw.state != RawState.PROCESSED:
        kind.lost += 1
        print(f"the hostile mail ended {raw.state}: {raw.error}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--posts", type=int, default=50)
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--append-docs", action="store_true")
    args = parser.parse_args()
    target = target_for("sqlite", "email-hostile-load")
    shutil.rmtree(target.data_dir, ignore_errors=True)
    setup_django(target)
    setup = set_up()
    post_all(setup, "warm-up", args.posts)  # customers created, connections opened: untimed
    quiet, hostile = Kind(), Kind()
    for number in range(args.rounds):
        count(quiet, setup, f"q{number}", post_all(setup, f"q{number}", args.posts))
        hostile_round(setup, hostile, f"h{number}", args.nodes, args.posts)
        print(f"round {number + 1}/{args.rounds} done", flush=True)
    rows = []
    for name, kind in (("quiet", quiet), ("hostile mail being parsed", hostile)):
        timing = Timing(kind.latencies or [float("nan")])
        parse = f"{max(kind.parse_seconds):.2f}" if kind.parse_seconds else "—"
        during = f"{kind.during_parse}" if kind.parse_seconds else "—"
        rows.append(
            [name, args.rounds * args.posts, kind.errors, kind.lost, ms(timing.p50),
             ms(timing.p99), ms(max(timing.samples)), parse, during]
        )  # fmt: skip
    table = markdown_table(
        ["posts", "sent", "errors", "lost", "p50 ms", "p99 ms", "max ms", "parse s (max)",
         "answered during the parse"],
        rows,
    )  # fmt: skip
    calm, busy = Timing(quiet.latencies), Timing(hostile.latencies)
    summary = (
        f"{table}\n\nhostile / quiet: p50 {busy.p50 / calm.p50:.2f}, p99 {busy.p99 / calm.p99:.2f}"
    )
    print(summary)
    if args.append_docs:
        append_to_docs("API posts while a hostile mail is parsed, SQLite", command_line(), summary)
    return 1 if hostile.errors or hostile.lost or quiet.errors or quiet.lost else 0


if __name__ == "__main__":
    raise SystemExit(main())
