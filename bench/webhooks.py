"""Inbound webhooks per channel against a real server, with the one-row Django baseline.

    .venv/bin/python bench/webhooks.py                 # PostgreSQL + Redis, every phase, docs
    .venv/bin/python bench/webhooks.py --db sqlite     # SQLite, one process
    .venv/bin/python bench/webhooks.py --quick         # a smoke run in seconds, no docs
    .venv/bin/python bench/webhooks.py --no-docs       # print only

Every registered channel that takes webhooks is measured, from its signed sample in
``bench/webhook_samples.py`` (a new channel adds one entry there). Three phases, each with
a fresh server (uvicorn on ``rapport.config.asgi``, bench settings: Rapport's own plus the
baseline view of ``bench/ingest.py``):

1. **Accept**: 32 concurrent keep-alive clients post signed webhooks (verified, stored
   raw, answered; the stored row is the workers' queue) to ``/channels/<kind>/<key>``,
   taking turns with the baseline ``POST /bench/baseline`` (a plain Django view
   inserting one row) in ``--rounds`` slices; no worker runs, so only the accept path is
   timed. Target ≥ 100 %.
2. **Processed**: the same with workers running (PostgreSQL: ``rapport worker``
   processes, woken by the database's NOTIFY, pushing through Redis; SQLite: ``rapport
   serve``, the worker's threads in the web process), each of their
   ``--webhook-threads`` taking up to ``--batch`` waiting requests per transaction. A
   slice's time runs until the open agent websocket has received the push of every
   message in it: customer, conversation, message and push all done. Target ≥ 60 %.
3. **Latency**: webhooks sent at a fixed rate (open loop), each timed from its accepted
   answer until the agent's websocket receives its push. Target p99 ≤ 1 s.

SQL statements per message are counted in-process with ``CaptureQueriesContext`` (the
accept request, and processing for a new customer and a continuing conversation).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

if __name__ == "__main__":  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    PG_SERVER,
    REPO,
    Target,
    Timing,
    machine,
    markdown_table,
    ms,
    setup_django,
    target_for,
)
from bench.ingest import (
    SETTINGS,
    Run,
    _read_response,
    free_port,
    interleaved,
    message_bodies,
    post,
    start_server,
)
from bench.webhook_samples import SAMPLES, Signed

DOCS = REPO / "docs" / "benchmarks.md"
PG_NAME = "rapport_webhookbench"
REDIS_URL = os.environ.get("RAPPORT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
SITE_URL = "https://bench.rapport.test"  # what the providers sign; never the Host header
CUSTOMERS_APART = 1_000_000  # each channel's customers are numbered from its own range
SECTION = "## Sixth session: webhooks (issue 11)"


@dataclass
class Inboxes:
    """The benchmark's inbox per channel kind: (id, webhook path)."""

    paths: dict[str, str] = field(default_factory=dict)
    cookie: str = ""


# --- setup, in-process ---------------------------------------------------------------------


def recreate_database(target: Target) -> None:
    if target.is_postgres:
        import psycopg

        if not target.pg_name.startswith(PG_NAME):
            raise SystemExit(f"refusing to drop {target.pg_name!r}")
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target.pg_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{target.pg_name}"')
    elif target.data_dir.exists():
        import shutil

        shutil.rmtree(target.data_dir)


def set_up(kinds: list[str]) -> Inboxes:
    """Migrate; one inbox per channel with its sample's settings; an agent in all of them."""
    from django.core.management import call_command
    from django.urls import reverse

    from bench.ingest import agent_session_cookie
    from rapport.accounts.models import Role, User
    from rapport.inboxes.models import Inbox

    call_command("migrate", verbosity=0)
    agent = User.objects.create_user(
        "integration@bench.rapport.test", "bench-password", name="Agent", role=Role.AGENT
    )
    found = Inboxes()
    for kind in kinds:
        inbox = Inbox.objects.create(name=f"Bench {kind}", kind=kind, config=SAMPLES[kind].config)
        inbox.members.add(agent)
        found.paths[kind] = reverse("channel_inbound", args=[kind, inbox.public_key])
    found.cookie = agent_session_cookie()
    return found


def webhook(kind: str, path: str, n: int, customers: int, tag: str) -> bytes:
    """Message ``n`` of a run as the provider posts it (see ``customer_number``)."""
    customer = customer_number(kind, n, customers, tag)
    text = f"{tag} {kind} message {n}: where is my order #{100000 + n}?"
    signed = SAMPLES[kind].message(SITE_URL + path, customer, text, f"{tag}-{kind}-{n}")
    return http_request(path, signed)


def customer_number(kind: str, n: int, customers: int, tag: str) -> int:
    """Customer ``n % customers`` of the run's ``tag``. In the latency phase a sample whose
    message has words of its own (``expects``: a missed call says "Missed call from
    <number>", whatever the text) has a new caller each time instead, so that its
    preview, which matches a push to its webhook, is one of a kind."""
    latency = tag.startswith("latency")
    if latency and hasattr(SAMPLES[kind], "expects"):
        return kinds_offset(kind) + zlib.crc32(tag.encode()) % 90 * 10_000 + n
    return kinds_offset(kind) + (500_000 if latency else 0) + n % customers


def shown(kind: str, customer: int, text: str) -> str:
    """The preview the agent's push carries for a message of ``text`` from ``customer``."""
    sample = SAMPLES[kind]
    return sample.shown(customer) if hasattr(sample, "shown") else text


def kinds_offset(kind: str) -> int:
    return (sorted(SAMPLES).index(kind) + 1) * CUSTOMERS_APART


def http_request(path: str, signed: Signed) -> bytes:
    head = [
        f"POST {path} HTTP/1.1",
        "Host: 127.0.0.1",
        f"Content-Type: {signed.content_type}",
        f"Content-Length: {len(signed.body)}",
        *(f"{name}: {value}" for name, value in signed.headers.items()),
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + signed.body


def count_statements(inboxes: Inboxes) -> dict[str, dict[str, int]]:
    """Per channel: the statements of accepting one webhook, and of processing one for a
    new customer and one continuing that customer's conversation (without BEGIN/COMMIT/
    SAVEPOINT, which the figures in docs/benchmarks.md leave out too)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from rapport.inboxes.models import RawWebhook
    from rapport.inboxes.webhooks import process

    control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
    client = Client()
    counts: dict[str, dict[str, int]] = {}
    for kind, path in inboxes.paths.items():
        found: dict[str, int] = {}
        for label, n in (("new customer", 0), ("continuing", 1)):
            signed = SAMPLES[kind].message(
                SITE_URL + path, kinds_offset(kind) + 999_999, f"probe {n}", f"probe-{kind}-{n}"
            )
            with CaptureQueriesContext(connection) as accepted:
                response = client.post(
                    path, signed.body, signed.content_type, headers=signed.headers
                )
            assert response.status_code == 200, response.content
            raw_id = RawWebhook.objects.order_by("-pk").values_list("pk", flat=True)[0]
            with CaptureQueriesContext(connection) as processed:
                process(raw_id)
            if os.environ.get("RAPPORT_BENCH_VERBOSE"):
                for what, captured in (("accept", accepted), (label, processed)):
                    print(f"-- {kind} {what}:", *(q["sql"][:160] for q in captured), sep="\n   ")
            found["accept"] = sum(not q["sql"].startswith(control) for q in accepted)
            found[label] = sum(not q["sql"].startswith(control) for q in processed)
        counts[kind] = found
    return counts


def forget_queued_jobs() -> None:
    """After the accept phase: its rows count as done (and any jobs are dropped), so the
    workers of the next phase start from an empty queue."""
    from huey.contrib.djhuey import HUEY

    from rapport.inboxes.models import RawWebhook, WebhookState

    HUEY.flush()
    RawWebhook.objects.filter(state=WebhookState.PENDING).update(state=WebhookState.PROCESSED)


# --- the agent's open inbox ----------------------------------------------------------------


class Agent:
    """An agent's browser with the inboxes open: when each message's push arrived."""

    def __init__(self, port: int, cookie: str) -> None:
        self.port, self.cookie = port, cookie
        self.arrived: dict[int, float] = {}  # message id → perf_counter
        self.shown: dict[str, float] = {}  # preview → perf_counter, its first push
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._listen()), daemon=True)

    def __enter__(self) -> Agent:
        self._thread.start()
        if not self._ready.wait(30):
            raise SystemExit("the agent's websocket did not connect")
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def wait_for(self, count: int, timeout: float) -> bool:
        deadline = time.perf_counter() + timeout
        while len(self.arrived) < count:
            if time.perf_counter() > deadline:
                return False
            time.sleep(0.005)
        return True

    async def _listen(self) -> None:
        from websockets.asyncio.client import connect

        origin = f"http://127.0.0.1:{self.port}"
        async with connect(
            f"ws://127.0.0.1:{self.port}/ws/agent",
            origin=origin,  # type: ignore[arg-type]
            additional_headers={"Cookie": self.cookie},
            max_size=None,
        ) as socket:
            self._ready.set()
            while not self._stop.is_set():
                try:
                    frame = json.loads(await asyncio.wait_for(socket.recv(), 0.5))
                except TimeoutError:
                    continue
                if frame.get("type") == "message":
                    now = time.perf_counter()
                    self.arrived.setdefault(int(frame.get("id", 0)), now)
                    self.shown.setdefault(str(frame.get("preview", "")), now)


# --- servers -----------------------------------------------------------------------------


@contextlib.contextmanager
def servers(target: Target, workers: int, threads: int, *, with_workers: bool) -> Iterator[int]:
    """A web server (and its workers), on a free port; stopped afterwards."""
    port = free_port()
    started: list[subprocess.Popen[bytes]] = []
    try:
        if with_workers and not target.is_postgres:  # one machine: the worker in the web process
            started.append(start_server(target, "rapport", port, 1))
        else:
            started.append(start_server(target, "uvicorn", port, 1))
        if with_workers and target.is_postgres:
            started += [start_worker(target, threads) for _ in range(workers)]
        time.sleep(2)
        yield port
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=30)


def start_worker(target: Target, threads: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LOG_LEVEL": "WARNING",  # not a line per job
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DATABASE_URL": target.database_url,
        "RAPPORT_DATA_DIR": str(target.data_dir),
        "PYTHONPATH": str(REPO),
    }
    log = (target.data_dir / "worker.log").open("ab")
    command = [str(REPO / ".venv/bin/rapport"), "worker", "--threads", str(threads)]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)


# --- phases ------------------------------------------------------------------------------

BASELINE = "baseline: POST /bench/baseline (one ORM insert)"


def baseline_requests(count: int, tag: str) -> list[bytes]:
    return [post("/bench/baseline", body, "none") for body in message_bodies(count, 1, tag)]


def accept_phase(args: argparse.Namespace, target: Target, inboxes: Inboxes) -> list[Run]:
    runs = [
        (kind, [webhook(kind, path, n, args.customers, "accept") for n in range(args.messages)])
        for kind, path in inboxes.paths.items()
    ]
    runs.append((BASELINE, baseline_requests(args.messages, "accept")))
    with servers(target, args.workers, args.threads, with_workers=False) as port:
        warm_up(port, inboxes, args.concurrency, "warm-accept", None)
        return interleaved(runs, args.rounds, port, args.concurrency, 0, [])


WARM_UP = 200  # webhooks per channel before a phase is timed


def warm_up(port: int, inboxes: Inboxes, concurrency: int, tag: str, agent: Agent | None) -> None:
    """Warm the server; with workers, until the agent has every warm-up message's push
    (``rapport worker`` takes seconds to start, which must not count as latency)."""
    requests = [webhook(k, p, n, 20, tag) for k, p in inboxes.paths.items() for n in range(WARM_UP)]
    requests += baseline_requests(WARM_UP, tag)
    asyncio.run(closed_loop(port, requests, concurrency))
    if agent is not None and not agent.wait_for(WARM_UP * len(inboxes.paths), timeout=300):
        raise SystemExit("the warm-up's messages did not all reach the agent within 300 s")


async def closed_loop(
    port: int, requests: list[bytes], concurrency: int
) -> tuple[list[float], dict[int, int]]:
    """Each client sends its next request when the last one is answered."""
    latencies: list[float] = []
    errors: dict[int, int] = {}
    next_index = itertools.count()

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while (i := next(next_index)) < len(requests):
            started = time.perf_counter()
            writer.write(requests[i])
            status = await _read_response(reader)
            latencies.append((time.perf_counter() - started) * 1000)
            if status >= 300:
                errors[status] = errors.get(status, 0) + 1
        writer.close()

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies, errors


def processed_phase(args: argparse.Namespace, target: Target, inboxes: Inboxes) -> list[Run]:
    """Webhooks with workers, each slice timed until the agent has every message's push."""
    totals = {kind: Run(kind, 0, 0.0, []) for kind in inboxes.paths}
    base = Run(BASELINE, 0, 0.0, [])
    with (
        servers(target, args.workers, args.threads, with_workers=True) as port,
        Agent(port, inboxes.cookie) as agent,
    ):
        warm_up(port, inboxes, args.concurrency, "warm-processed", agent)
        for index in range(args.rounds):
            for kind, path in inboxes.paths.items():
                numbers = range(index, args.messages, args.rounds)
                slice_ = [webhook(kind, path, n, args.customers, "done") for n in numbers]
                expected = len(agent.arrived) + len(slice_)
                started = time.perf_counter()
                latencies, errors = asyncio.run(closed_loop(port, slice_, args.concurrency))
                complete = agent.wait_for(expected, timeout=120)
                elapsed = time.perf_counter() - started
                total = totals[kind]
                total.requests += len(slice_)
                total.seconds += elapsed
                total.latencies += latencies
                for status, n in errors.items():
                    total.errors[status] = total.errors.get(status, 0) + n
                if not complete:
                    total.errors[0] = total.errors.get(0, 0) + 1  # pushes missing after 120 s
            part = baseline_requests(args.messages, "done")[index :: args.rounds]
            started = time.perf_counter()
            latencies, errors = asyncio.run(closed_loop(port, part, args.concurrency))
            base.requests += len(part)
            base.seconds += time.perf_counter() - started
            base.latencies += latencies
            for status, n in errors.items():
                base.errors[status] = base.errors.get(status, 0) + n
    return [*totals.values(), base]


@dataclass
class Latency:
    kind: str
    rate: int
    sent: int
    accepted_to_push: list[float]
    sent_to_push: list[float]
    lost: int


def latency_phase(args: argparse.Namespace, target: Target, inboxes: Inboxes) -> list[Latency]:
    with (
        servers(target, args.workers, args.threads, with_workers=True) as port,
        Agent(port, inboxes.cookie) as agent,
    ):
        warm_up(port, inboxes, args.concurrency, "warm-latency", agent)
        found = []
        for rate in [int(r) for r in str(args.rate).split(",")]:
            for kind, path in inboxes.paths.items():
                found.append(asyncio.run(open_loop(port, agent, kind, path, rate, args)))
                time.sleep(2)  # the last pushes; the next run starts from an empty queue
        return found


async def open_loop(
    port: int, agent: Agent, kind: str, path: str, rate: int, args: argparse.Namespace
) -> Latency:
    """``rate`` webhooks a second for ``--seconds``, on a pool of keep-alive connections
    (a late answer does not delay the next send)."""
    total = int(rate * args.seconds)
    sent: dict[str, tuple[float, float]] = {}  # preview → (sent, accepted)
    idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(args.concurrency):
        idle.put_nowait(await asyncio.open_connection("127.0.0.1", port))

    async def one(n: int) -> None:
        text = f"latency {kind} at {rate}/s, message {n}: where is my order #{100000 + n}?"
        customer = customer_number(kind, n, args.customers, f"latency-{rate}")
        signed = SAMPLES[kind].message(
            SITE_URL + path, customer, text, f"latency-{kind}-{rate}-{n}"
        )
        request = http_request(path, signed)
        reader, writer = await idle.get()
        began = time.perf_counter()
        writer.write(request)
        await _read_response(reader)
        sent[shown(kind, customer, text)] = (began, time.perf_counter())
        idle.put_nowait((reader, writer))

    tasks = []
    start = time.perf_counter()
    for n in range(total):
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n)))
    await asyncio.gather(*tasks)
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline and any(t not in agent.shown for t in sent):
        await asyncio.sleep(0.05)
    while not idle.empty():
        idle.get_nowait()[1].close()
    accepted, from_sent, lost = [], [], 0
    for text, (began, answered) in sent.items():
        arrived = agent.shown.get(text)
        if arrived is None:
            lost += 1
            continue
        accepted.append(max(0.0, arrived - answered) * 1000)
        from_sent.append((arrived - began) * 1000)
    return Latency(kind, rate, total, accepted, from_sent, lost)


# --- report ------------------------------------------------------------------------------


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def rate_table(runs: list[Run], what: str) -> str:
    base = runs[-1]
    rows = []
    for run in runs:
        timing = Timing(run.latencies or [float("nan")])
        errors = ", ".join(f"{n} x {s or 'no push'}" for s, n in run.errors.items()) or "0"
        ratio = "" if run is base else f"**{run.rate / base.rate:.0%}**"
        label = run.label if run is base else f"`{run.label}`: {what}"
        rows.append(
            [
                label,
                f"{run.requests:,}",
                errors,
                f"{run.rate:,.0f}",
                ratio,
                ms(timing.p50),
                ms(timing.p99),
            ]
        )
    header = [
        "endpoint",
        "requests",
        "errors",
        "per second",
        "/ baseline",
        "answer p50 ms",
        "answer p99 ms",
    ]
    return markdown_table(header, rows)


def report(
    args: argparse.Namespace,
    target: Target,
    statements: dict[str, dict[str, int]],
    accepted: list[Run] | None,
    processed: list[Run] | None,
    latencies: list[Latency] | None,
) -> str:
    setup = (
        f"PostgreSQL + Redis (channel layer); {args.workers} `rapport worker` "
        f"process(es) of {args.webhook_threads} webhook threads"
        if target.is_postgres
        else f"SQLite, in-memory channel layer; workers: `rapport serve` "
        f"({args.webhook_threads} webhook threads in the web process)"
    )
    setup += f", each taking up to {args.batch} waiting webhooks per transaction"
    parts = [
        f"**{target.engine}** — {setup}; uvicorn, 1 process, WEB_THREADS="
        f"{os.environ.get('WEB_THREADS', '4')}; {args.concurrency} concurrent keep-alive "
        f"clients; {args.messages:,} webhooks per channel from {args.customers:,} customers "
        f"per channel, taking turns with the baseline in {args.rounds} rounds.\n"
    ]
    if accepted:
        parts.append(
            "Accept (verified, stored raw, answered; no worker running; "
            "target ≥ 100 %):\n\n" + rate_table(accepted, "accept") + "\n"
        )
    if processed:
        parts.append(
            "Fully processed (customer, conversation, message, push received by the open agent "
            "socket; workers running; target ≥ 60 %):\n\n"
            + rate_table(processed, "processed")
            + "\n"
        )
    if latencies:
        rows = [
            [
                f"`{lat.kind}`",
                f"{lat.sent} at {lat.rate}/s",
                ms(Timing(lat.accepted_to_push or [float("nan")]).p50),
                ms(Timing(lat.accepted_to_push or [float("nan")]).p95),
                f"**{ms(Timing(lat.accepted_to_push or [float('nan')]).p99)}**",
                ms(Timing(lat.sent_to_push or [float("nan")]).p99),
                lat.lost,
            ]
            for lat in latencies
        ]
        header = ["channel", "webhooks", "p50 ms", "p95 ms", "p99 ms", "p99 from sent ms", "lost"]
        parts.append(
            "Accepted → visible in the open agent inbox (the agent's websocket got the push; "
            "open loop; target p99 ≤ 1,000 ms):\n\n" + markdown_table(header, rows) + "\n"
        )
    rows = [
        [f"`{kind}`", found["accept"], found["new customer"], found["continuing"]]
        for kind, found in statements.items()
    ]
    parts.append(
        "SQL statements per webhook (in-process, `CaptureQueriesContext`, without "
        "BEGIN/COMMIT/SAVEPOINT; target ≤ 6 for a continuing conversation):\n\n"
        + markdown_table(
            ["channel", "accept", "process: new customer", "process: continuing"], rows
        )
        + "\n"
    )
    return "\n".join(parts)


def append(bodies: list[str], command: str, load_before: str) -> None:
    now = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    text = DOCS.read_text()
    if SECTION not in text:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n"
    text = text.rstrip("\n") + (
        f"\n\n### Webhook run — {now}\n\nMachine: {machine()}; shared with other sessions, load "
        f"average (1, 5, 15 min) {load_before} before the run, {load_average()} after it.\n\n"
        f"```\n{command}\n```\n\n" + "\n".join(bodies).rstrip() + "\n"
    )
    DOCS.write_text(text)
    print(f"appended to {DOCS}")


# --- main --------------------------------------------------------------------------------


def webhook_kinds(only: str) -> list[str]:
    from rapport.inboxes import channels

    kinds = [c.kind for c in channels.all_channels() if c.takes_webhooks]
    missing = [kind for kind in kinds if kind not in SAMPLES]
    if missing:
        raise SystemExit(f"add a sample to bench/webhook_samples.py for: {', '.join(missing)}")
    wanted = only.split(",") if only else kinds
    return [kind for kind in kinds if kind in wanted]


def run_target(args: argparse.Namespace, db: str) -> str:
    target = target_for(db, PG_NAME if db == "postgres" else "webhookbench")
    recreate_database(target)
    os.environ["SITE_URL"] = SITE_URL
    os.environ.setdefault("DB_CONN_MAX_AGE", "600")
    os.environ["RAPPORT_WORKER_THREADS"] = str(args.threads)  # rapport serve's (SQLite)
    os.environ["RAPPORT_WEBHOOK_THREADS"] = str(args.webhook_threads)
    os.environ["RAPPORT_WEBHOOK_BATCH"] = str(args.batch)
    # Providers' APIs a channel calls while processing (Messenger's profile look-up): a
    # closed local port, so the look-up fails at once and nothing leaves the machine.
    for name in ("META_GRAPH_API_BASE", "TELEGRAM_API_BASE", "X_API_BASE", "TWILIO_API_BASE"):
        os.environ[name] = "http://127.0.0.1:9"
    if db == "postgres":
        os.environ["REDIS_URL"] = REDIS_URL
    else:
        os.environ.pop("REDIS_URL", None)
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # the benchmark's own database number
    setup_django(target, SETTINGS)
    from django.db import connections

    inboxes = set_up(webhook_kinds(args.channels))
    statements = count_statements(inboxes)
    forget_queued_jobs()
    connections.close_all()
    phases = args.phases.split(",")
    accepted = accept_phase(args, target, inboxes) if "accept" in phases else None
    forget_queued_jobs()
    connections.close_all()
    processed = processed_phase(args, target, inboxes) if "processed" in phases else None
    latencies = latency_phase(args, target, inboxes) if "latency" in phases else None
    body = report(args, target, statements, accepted, processed, latencies)
    print("\n" + body, flush=True)
    return body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["postgres", "sqlite", "both"], default="both")
    parser.add_argument("--messages", type=int, help="per channel; default 2,000 (quick: 400)")
    parser.add_argument("--customers", type=int, help="per channel; default messages / 10")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="turns taken with the baseline")
    parser.add_argument(
        "--workers", type=int, default=2, help="rapport worker processes (PostgreSQL)"
    )
    parser.add_argument("--threads", type=int, default=4, help="job threads per worker process")
    parser.add_argument(
        "--webhook-threads", type=int, default=2, help="webhook threads per worker process"
    )
    parser.add_argument("--batch", type=int, default=32, help="waiting webhooks per transaction")
    parser.add_argument(
        "--rate", default="20,50", help="latency phase: webhooks/s, one run each (comma-separated)"
    )
    parser.add_argument("--seconds", type=float, default=20, help="latency phase: per channel")
    parser.add_argument("--channels", default="", help="comma-separated kinds; default all")
    parser.add_argument("--phases", default="accept,processed,latency")
    parser.add_argument("--quick", action="store_true", help="a smoke run; no docs")
    parser.add_argument("--no-docs", action="store_true", help="print only")
    parser.add_argument("--body-file", help=argparse.SUPPRESS)  # --db both: a child's report
    args = parser.parse_args(argv)
    if args.quick:
        args.messages = args.messages or 400
        args.rounds, args.seconds, args.rate = 2, 3, "20"
    args.messages = args.messages or 2_000
    args.customers = args.customers or max(1, args.messages // 10)
    load_before = load_average()
    if args.db == "both":  # each database in its own process: Django is set up once per process
        bodies = [
            run_child(db, argv if argv is not None else sys.argv[1:])
            for db in ("postgres", "sqlite")
        ]
    else:
        bodies = [run_target(args, args.db)]
        if args.body_file:
            Path(args.body_file).write_text(bodies[0])
    if not (args.quick or args.no_docs or args.body_file):
        command = " ".join(["nice -n 10 .venv/bin/python bench/webhooks.py", *sys.argv[1:]])
        append(bodies, command, load_before)
    return 0


def run_child(db: str, argv: list[str]) -> str:
    """This script for one database, in a process of its own; its report's text."""
    body_file = Path(target_for(db, "webhookbench-report").data_dir) / "report.md"
    body_file.parent.mkdir(parents=True, exist_ok=True)
    body_file.unlink(missing_ok=True)
    rest, skip = [], False
    for arg in argv:  # all but --db X / --db=X
        if not skip and not arg.startswith("--db"):
            rest.append(arg)
        skip = arg == "--db"
    command = [sys.executable, __file__, "--db", db, "--body-file", str(body_file), *rest]
    subprocess.run(command, cwd=REPO, check=True)
    return body_file.read_text()


if __name__ == "__main__":
    sys.exit(main())
