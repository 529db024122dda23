"""Inbound messages through the API channel, against a real server, with a baseline.

    .venv/bin/python bench/ingest.py                      # SQLite, 20,000 messages, 32 clients
    .venv/bin/python bench/ingest.py --db postgres
    .venv/bin/python bench/ingest.py --quick              # 2,000 messages, seconds

Starts uvicorn (``rapport.config.asgi:application``, persistent connections via
DB_CONN_MAX_AGE) — or ``rapport serve`` with ``--server rapport`` — on a free port with a
fresh database, creates an API inbox, an agent and a token, then posts messages with 32
concurrent keep-alive connections: ``--customers`` customers, so after the first round
most messages continue an existing conversation. In the same run, against the same server
process, the baseline: ``POST /bench/baseline``, a plain Django view that parses the same
JSON and inserts one row (bench/urls.py). A separate in-process pass counts the SQL
statements of one message with ``CaptureQueriesContext``. RSS is read from /proc.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

if __name__ == "__main__":  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    REPO,
    Target,
    Timing,
    append_to_docs,
    command_line,
    markdown_table,
    ms,
    percentile,
    setup_django,
    target_for,
)
from bench.generate import reset

SETTINGS = "bench.bench_settings"


@dataclass
class Run:
    label: str
    requests: int
    seconds: float
    latencies: list[float]
    errors: dict[int, int] = field(default_factory=dict)
    cpu_seconds: float = 0.0  # the server's (user + system), when measured

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_ms(self) -> float:
        """Server CPU per request: what the shared machine's load does not change much."""
        return self.cpu_seconds / self.requests * 1000


# --- the server -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MiB."""
    total_kib = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total_kib / 1024


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and all its descendants."""
    ticks = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


APPS = {
    "rapport": "rapport.config.asgi:application",
    # For comparison: HTTP through Django's own ASGI handler (Rapport's choice until
    # 2026-11-23); see bench/asgi_django.py.
    "django-asgi": "bench.asgi_django:application",
}


def start_server(
    target: Target,
    server: str,
    port: int,
    workers: int,
    app: str = "rapport",
    extra_env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **(extra_env or {}),
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DATABASE_URL": target.database_url,
        "RAPPORT_DATA_DIR": str(target.data_dir),
        "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "600"),
        "PYTHONPATH": str(REPO),
    }
    if server == "rapport":
        command = [
            str(REPO / ".venv/bin/rapport"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
    else:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            APPS[app],
            "--lifespan",
            "off",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
    log = (target.data_dir / "server.log").open("ab")
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited; see {target.data_dir / 'server.log'}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(
                    b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                )
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return process
        except OSError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise SystemExit("the server did not answer /healthz within 60 s")


# --- the load generator: raw HTTP/1.1 keep-alive on asyncio, so the client stays cheap ----


async def _read_response(reader: asyncio.StreamReader) -> int:
    status = int((await reader.readline()).split()[1])
    length, chunked = 0, False
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        while size := int((await reader.readline()).strip(), 16):
            await reader.readexactly(size + 2)
        await reader.readline()
    else:
        await reader.readexactly(length)
    return status


async def _load(
    port: int, requests: list[bytes], concurrency: int
) -> tuple[list[float], dict[int, int]]:
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


class Watcher:
    """An agent's browser with the inbox open: a websocket that receives every push."""

    def __init__(self, port: int, cookie: str) -> None:
        self.port, self.cookie, self.pushes = port, cookie, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._listen()), daemon=True)
        self._ready = threading.Event()

    def __enter__(self) -> Watcher:
        self._thread.start()
        if not self._ready.wait(30):
            raise SystemExit("the agent's websocket did not connect")
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)

    async def _listen(self) -> None:
        from websockets.asyncio.client import connect

        origin = f"http://127.0.0.1:{self.port}"
        async with connect(
            f"ws://127.0.0.1:{self.port}/ws/agent",
            origin=origin,  # type: ignore[arg-type]
            additional_headers={"Cookie": self.cookie},
        ) as socket:
            self._ready.set()
            while not self._stop.is_set():
                try:
                    frame = json.loads(await asyncio.wait_for(socket.recv(), 0.5))
                except TimeoutError:
                    continue
                if frame.get("type") == "message":
                    self.pushes += 1


def post(path: str, body: dict[str, object], token: str) -> bytes:
    data = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    )
    return head.encode() + data


def message_bodies(count: int, customers: int, tag: str) -> list[dict[str, object]]:
    """Message i comes from customer i % customers: the first round opens conversations."""
    return [
        {
            "identity": {"kind": "email", "address": f"{tag}-customer{i % customers}@example.com"},
            "name": f"Customer {i % customers}",
            "subject": "Order question",
            "text": f"Hello, this is message {i}: where is my order #{100000 + i}? Thanks!",
            "external_id": f"{tag}-{i}",
        }
        for i in range(count)
    ]


def run_load(
    label: str, port: int, requests: list[bytes], concurrency: int, pid: int, rss_peak: list[float]
) -> Run:
    stop = threading.Event()

    def sample_rss() -> None:
        while not stop.wait(0.25):
            rss_peak.append(tree_rss_mib(pid))

    sampler = threading.Thread(target=sample_rss, daemon=True)
    sampler.start()
    started = time.perf_counter()
    latencies, errors = asyncio.run(_load(port, requests, concurrency))
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    return Run(label, len(requests), seconds, latencies, errors)


def interleaved(
    runs: list[tuple[str, list[bytes]]],
    rounds: int,
    port: int,
    concurrency: int,
    pid: int,
    rss_peak: list[float],
    ports: list[int] | None = None,
    slices: list[list[Run]] | None = None,
    cpu_pids: list[int] | None = None,
) -> list[Run]:
    """Each run's requests in ``rounds`` slices, taking turns: A1 B1 A2 B2 …
    (``ports``: each run to its own server; else all to ``port``; ``slices`` collects each
    round's runs, for a ratio per round; ``cpu_pids``: each run's server, whose CPU time
    is measured).

    On a shared, noisy machine the load of other work changes by the minute; taking turns
    puts the same noise on both sides of the ratio.
    """
    totals = [Run(label, 0, 0.0, []) for label, _ in runs]
    targets = ports or [port] * len(runs)
    for index in range(rounds):
        this_round: list[Run] = []
        for total, (label, requests), to in zip(totals, runs, targets, strict=True):
            part = requests[index::rounds]
            cpu_pid = cpu_pids[len(this_round)] if cpu_pids else None
            cpu_before = tree_cpu_seconds(cpu_pid) if cpu_pid else 0.0
            run = run_load(label, to, part, concurrency, pid, rss_peak)
            run.cpu_seconds = tree_cpu_seconds(cpu_pid) - cpu_before if cpu_pid else 0.0
            total.cpu_seconds += run.cpu_seconds
            this_round.append(run)
            total.requests += run.requests
            total.seconds += run.seconds
            total.latencies += run.latencies
            for status, n in run.errors.items():
                total.errors[status] = total.errors.get(status, 0) + n
        if slices is not None:
            slices.append(this_round)
    return totals


# --- in-process: setup and statement counts --------------------------------------------


def set_up_inbox() -> tuple[int, str]:
    """Migrate, create an API inbox, an agent who is a member, and the agent's token."""
    from django.core.management import call_command

    from rapport.accounts.models import Role, User
    from rapport.accounts.tokens import create_token
    from rapport.inboxes.models import Inbox, InboxKind

    call_command("migrate", verbosity=0)
    inbox = Inbox.objects.create(name="Shop API", kind=InboxKind.API)
    agent = User.objects.create_user(
        "integration@bench.rapport.test", "bench-password", name="Integration", role=Role.AGENT
    )
    inbox.members.add(agent)
    _, token = create_token(user=agent, name="bench ingest")
    return inbox.pk, token


def agent_session_cookie() -> str:
    """A signed-in agent of the benchmark inbox, as the cookie their browser would send."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from rapport.accounts.models import User

    agent = User.objects.get(email="integration@bench.rapport.test")
    store = import_module(settings.SESSION_ENGINE).SessionStore()  # the server's store
    store.update(
        {
            SESSION_KEY: str(agent.pk),
            HASH_SESSION_KEY: agent.get_session_auth_hash(),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
        }
    )
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def count_statements(inbox_id: int, token: str) -> dict[str, list[str]]:
    """The SQL of one new-customer message, one continuing message and one baseline row."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    path = f"/api/v1/inboxes/{inbox_id}/messages"
    bodies = message_bodies(3, 1, "probe")
    client.post(path, bodies[0], content_type="application/json")  # token's last_used_at write
    found: dict[str, list[str]] = {}
    for label, url, body in [
        ("new customer", path, message_bodies(1, 1, "probe-new")[0]),
        ("continuing message", path, bodies[1]),
        ("same external id again", path, bodies[1]),
        ("baseline (one row)", "/bench/baseline", bodies[2]),
    ]:
        with CaptureQueriesContext(connection) as captured:
            response = client.post(url, body, content_type="application/json")
        assert response.status_code in (200, 201), response.content
        found[label] = [q["sql"] for q in captured.captured_queries]
    return found


# --- main -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--messages", type=int, help="default 20,000 (quick: 2,000)")
    parser.add_argument("--customers", type=int, help="default messages / 10")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--server", choices=["uvicorn", "rapport"], default="uvicorn")
    parser.add_argument(
        "--app",
        choices=sorted(APPS),
        default="rapport",
        help="django-asgi: HTTP through Django's ASGI handler, for comparison (uvicorn only)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="turns taken with the baseline")
    parser.add_argument(
        "--no-agent", action="store_true", help="no agent's browser connected (no pushes)"
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="print the SQL of each pass")
    parser.add_argument("--append-docs", action="store_true", help="append to docs/benchmarks.md")
    parser.add_argument(
        "--search-index-cost",
        action="store_true",
        help="instead of the baseline: the API channel with the search index on and off",
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="with --search-index-cost: time each request's CPU in-process, no server",
    )
    args = parser.parse_args(argv)
    count = args.messages or (2_000 if args.quick else 20_000)
    customers = args.customers or max(1, count // 10)
    target = target_for(args.db, "rapport_bench_ingest" if args.db == "postgres" else "ingest")
    reset(target)
    setup_django(target, SETTINGS)
    from django.db import connection

    inbox_id, token = set_up_inbox()
    statements = count_statements(inbox_id, token)
    cookie = agent_session_cookie()
    if args.verbose:
        for label, sql in statements.items():
            print(f"-- {label}: {len(sql)} statements\n" + "\n".join(f"   {s[:200]}" for s in sql))
    if args.search_index_cost and args.in_process:
        return search_index_cost_in_process(args, target, inbox_id, token, count, customers)
    connection.close()
    if args.search_index_cost:
        return search_index_cost(args, target, inbox_id, token, count, customers)

    port = free_port()
    server = start_server(target, args.server, port, args.workers, args.app)
    try:
        time.sleep(2)
        idle = tree_rss_mib(server.pid)
        path = f"/api/v1/inboxes/{inbox_id}/messages"
        warm = [post(path, b, token) for b in message_bodies(400, 40, "warmup")]
        run_load(
            "warm-up",
            port,
            warm + [post("/bench/baseline", {"text": "x"}, token)] * 400,
            args.concurrency,
            server.pid,
            [],
        )
        peak: list[float] = []
        bodies = message_bodies(count, customers, "load")
        runs = [
            (
                "API channel: POST /api/v1/inboxes/{id}/messages",
                [post(path, b, token) for b in bodies],
            ),
            (
                "baseline: POST /bench/baseline (one ORM insert)",
                [post("/bench/baseline", b, token) for b in bodies],
            ),
        ]
        with contextlib.ExitStack() as stack:
            watcher = None if args.no_agent else stack.enter_context(Watcher(port, cookie))
            inbound, base = interleaved(runs, args.rounds, port, args.concurrency, server.pid, peak)
            time.sleep(1)  # the last pushes
            pushed = watcher.pushes if watcher else 0
        after = tree_rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)

    rows = []
    for run in (inbound, base):
        timing = Timing(run.latencies)
        errors = ", ".join(f"{n} x {s}" for s, n in run.errors.items()) or "0"
        rows.append(
            [
                run.label,
                f"{run.requests:,}",
                errors,
                f"**{run.rate:,.0f}**",
                ms(timing.p50),
                ms(timing.p99),
            ]
        )
    ratio = inbound.rate / base.rate
    server_label = (
        "`rapport serve`"
        if args.server == "rapport"
        else (f"uvicorn `{APPS[args.app]}`, {args.workers} worker{'s' if args.workers > 1 else ''}")
    )
    control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
    counts_rows = [
        [label, len(sql), sum(not s.startswith(control) for s in sql)]
        for label, sql in statements.items()
    ]
    body = (
        f"{target.engine}; {server_label}; WEB_THREADS={os.environ.get('WEB_THREADS', '8')}; "
        f"{args.concurrency} concurrent keep-alive clients; "
        f"{count:,} messages from {customers:,} customers ({(count - customers) / count:.0%} "
        "continue a conversation), taking turns with the baseline in "
        f"{args.rounds} rounds; "
        + (
            "no agent connected"
            if args.no_agent
            else f"one agent's browser connected to the inbox received {pushed:,} pushes"
        )
        + "; DB_CONN_MAX_AGE="
        + os.environ.get("DB_CONN_MAX_AGE", "600")
        + ".\n\n"
        + markdown_table(["endpoint", "requests", "errors", "req/s", "p50 ms", "p99 ms"], rows)
        + f"\n\n- API channel / baseline: **{ratio:.0%}** (target ≥ 50 %); "
        f"{inbound.rate:,.0f} messages/s (target ≥ 1,000 on SQLite)\n"
        f"- Server RSS ({server_label}): idle {idle:.0f} MiB, peak under load "
        f"{max(peak, default=after):.0f} MiB, after {after:.0f} MiB\n\n"
        "SQL statements per request (in-process, `CaptureQueriesContext`; target ≤ 6 for a "
        "continuing message):\n\n"
        + markdown_table(["request", "statements", "without BEGIN/COMMIT/SAVEPOINT"], counts_rows)
        + "\n"
    )
    print("\n" + body)
    if args.append_docs:
        append_to_docs(f"Ingest, {target.engine}", command_line(), body)
    return 0 if not inbound.errors and not base.errors else 1


def search_index_cost(
    args: argparse.Namespace, target: Target, inbox_id: int, token: str, count: int, customers: int
) -> int:
    """Two servers on one database, one writing the search index and one not
    (``RAPPORT_BENCH_NO_SEARCH_INDEX``, read by bench_settings), taking turns."""
    ports = [free_port(), free_port()]
    servers = [
        start_server(target, args.server, ports[0], args.workers, args.app),
        start_server(
            target,
            args.server,
            ports[1],
            args.workers,
            args.app,
            extra_env={"RAPPORT_BENCH_NO_SEARCH_INDEX": "1"},
        ),
    ]
    path = f"/api/v1/inboxes/{inbox_id}/messages"
    rounds: list[list[Run]] = []
    try:
        time.sleep(2)
        for port, tag in zip(ports, ("warm-on", "warm-off"), strict=True):
            warm = [post(path, b, token) for b in message_bodies(400, 40, tag)]
            run_load("warm-up", port, warm, args.concurrency, servers[0].pid, [])
        runs = [
            (label, [post(path, b, token) for b in message_bodies(count, customers, tag)])
            for label, tag in (("search index on", "on"), ("search index off", "off"))
        ]
        load_before = os.getloadavg()
        on, off = interleaved(
            runs,
            args.rounds,
            ports[0],
            args.concurrency,
            servers[0].pid,
            [],
            ports=ports,
            slices=rounds,
            cpu_pids=[server.pid for server in servers],
        )
        load_after = os.getloadavg()
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
    ratios = [first.rate / second.rate for first, second in rounds]
    rows = [
        [
            run.label,
            f"{run.requests:,}",
            sum(run.errors.values()),
            f"**{run.rate:,.0f}**",
            ms(Timing(run.latencies).p50),
            ms(Timing(run.latencies).p99),
            f"{run.cpu_ms:.2f}",
        ]
        for run in (on, off)
    ]
    cpu_ratios = [second.cpu_ms / first.cpu_ms for first, second in rounds]
    body = (
        f"{target.engine}; two servers (uvicorn, {args.workers} worker each) on one database,"
        f" one with the search index written by the actions and one without, {args.concurrency}"
        f" concurrent clients, {count:,} messages each from {customers:,} customers, taking"
        f" turns in {args.rounds} rounds.\n\n"
        + markdown_table(
            ["server", "messages", "errors", "messages/s", "p50 ms", "p99 ms", "server CPU ms/msg"],
            rows,
        )
        + f"\n\n- With the index / without: **{on.rate / off.rate:.0%}** of the throughput"
        f" (indexing costs {1 - on.rate / off.rate:.1%}; target ≤ 10 %)\n"
        f"- Per round (on / off): {', '.join(f'{r:.0%}' for r in ratios)}; median"
        f" **{statistics.median(ratios):.0%}** (indexing costs"
        f" {1 - statistics.median(ratios):.1%})\n"
        f"- Server CPU per message, off / on: **{off.cpu_ms / on.cpu_ms:.0%}** (indexing costs"
        f" {1 - off.cpu_ms / on.cpu_ms:.1%} of the CPU); per round:"
        f" {', '.join(f'{r:.0%}' for r in cpu_ratios)}; median"
        f" **{statistics.median(cpu_ratios):.0%}**\n"
        f"- Load average (1, 5, 15 min) before: {_loads(load_before)}; after:"
        f" {_loads(load_after)}\n"
    )
    print("\n" + body)
    if args.append_docs:
        append_to_docs(f"Search index cost on ingest, {target.engine}", command_line(), body)
    return 0 if not on.errors and not off.errors else 1


def search_index_cost_in_process(
    args: argparse.Namespace, target: Target, inbox_id: int, token: str, count: int, customers: int
) -> int:
    """The same messages through the whole API stack (Django's test client: middleware,
    token, action, SQLite in this thread), the index on and off in turns of 100 messages;
    each request's thread CPU time (``time.thread_time``), which the load of the shared
    machine changes far less than wall time. Off is what bench_settings does: no ``_put``."""
    from django.test import Client

    from rapport.search import index

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    path = f"/api/v1/inboxes/{inbox_id}/messages"
    real_put = index._put
    sides = {
        "on": message_bodies(count, customers, "on"),
        "off": message_bodies(count, customers, "off"),
    }
    cpu: dict[str, list[float]] = {"on": [], "off": []}
    turn = 100
    load_before = os.getloadavg()
    for start in range(0, count, turn):
        for side, bodies in sides.items():
            index._put = real_put if side == "on" else (lambda table, rows, **options: None)
            for payload in bodies[start : start + turn]:
                started = time.thread_time()
                response = client.post(path, payload, content_type="application/json")
                cpu[side].append((time.thread_time() - started) * 1000)
                assert response.status_code in (200, 201), response.content
    index._put = real_put
    load_after = os.getloadavg()
    on, off = statistics.mean(cpu["on"]), statistics.mean(cpu["off"])
    turns = [
        statistics.mean(cpu["off"][i : i + turn]) / statistics.mean(cpu["on"][i : i + turn])
        for i in range(0, count, turn)
    ]
    body = (
        f"{target.engine}; in-process (Django test client, one thread), {count:,} messages"
        f" each from {customers:,} customers, index on and off in turns of {turn}.\n\n"
        + markdown_table(
            ["index", "messages", "CPU ms/message (mean)", "median", "p90"],
            [
                [
                    side,
                    f"{len(v):,}",
                    f"{statistics.mean(v):.2f}",
                    f"{statistics.median(v):.2f}",
                    f"{percentile(v, 90):.2f}",
                ]
                for side, v in cpu.items()
            ],
        )
        + f"\n\n- Without the index / with: **{off / on:.0%}** of the CPU per message"
        f" (indexing costs {1 - off / on:.1%}); per turn: median"
        f" **{statistics.median(turns):.0%}**, range {min(turns):.0%} to {max(turns):.0%}\n"
        f"- Load average (1, 5, 15 min) before: {_loads(load_before)}; after:"
        f" {_loads(load_after)}\n"
    )
    print("\n" + body)
    if args.append_docs:
        append_to_docs(f"Search index cost on ingest CPU, {target.engine}", command_line(), body)
    return 0


def _loads(loads: tuple[float, float, float]) -> str:
    return " / ".join(f"{load:.1f}" for load in loads)


if __name__ == "__main__":
    sys.exit(main())
