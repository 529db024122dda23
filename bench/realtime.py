"""Live chat under load: open widget sockets, visitor-to-agent latency, memory per socket.

    .venv/bin/python bench/realtime.py                 # both setups, appends to docs/benchmarks.md
    .venv/bin/python bench/realtime.py --layer memory  # one process, in-memory channel layer
    .venv/bin/python bench/realtime.py --layer redis   # two processes fanned out through Redis
    .venv/bin/python bench/realtime.py --quick         # 100 sockets, 5 s: a smoke run, no docs
    .venv/bin/python bench/realtime.py --via http      # visitors POST instead of using the socket

What is measured, per setup:
- N concurrent widget websockets (authenticated visitors) held open on process A;
- visitors send messages at a fixed rate (open loop: a slow answer does not slow the
  sender), over their own open widget socket (``--via socket``, the default) or as an HTTP
  POST to A (``--via http``), and one agent socket (on A, or on B through Redis) times how
  long each message takes from the moment it was sent until the agent's push arrived;
- the resident memory of process A before and after the sockets opened, per socket.
Data lives in a throw-away SQLite file (WAL) shared by the processes; Redis database 12.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.common import BENCH_ROOT, Timing, machine, markdown_table, ms  # noqa: E402
from rapport.cli import server_flags  # noqa: E402  (the options rapport serve uses)

DOCS = REPO / "docs" / "benchmarks.md"
REDIS_URL = os.environ.get("RAPPORT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
SECRET_KEY = "bench-realtime-secret-key-0123456789abcdef"  # noqa: S105  (a throw-away database)


@dataclass
class Result:
    setup: str
    via: str
    sockets: int
    connect_seconds: float
    rate: int
    sent: int
    latency: Timing
    lost: int
    rss_before_mib: float
    rss_after_mib: float

    @property
    def kib_per_socket(self) -> float:
        return (self.rss_after_mib - self.rss_before_mib) * 1024 / max(self.sockets, 1)


# --- servers --------------------------------------------------------------------------------


def environment(data_dir: Path, redis: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        # An experiment may point at other settings (with --no-docs): module and its path.
        DJANGO_SETTINGS_MODULE=os.environ.get("RAPPORT_BENCH_SETTINGS", "rapport.config.settings"),
        RAPPORT_DATA_DIR=str(data_dir),
        DATABASE_URL=f"sqlite:///{data_dir / 'rapport.sqlite3'}",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("RAPPORT_BENCH_PATH")])),
    )
    env.pop("REDIS_URL", None)
    if redis:
        env["REDIS_URL"] = REDIS_URL
    return env


def raise_file_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(soft, 65536), hard), hard))


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log.open("w")
        command = [
            sys.executable, "-m", "uvicorn", "rapport.config.asgi:application",
            "--host", "127.0.0.1", "--port", str(self.port),
            *server_flags(),
            "--no-access-log", "--lifespan", "off", "--backlog", "4096",
            "--timeout-keep-alive", "60", "--log-level", "warning",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, env=env, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT,
            preexec_fn=raise_file_limit,  # runs in the child before exec: its own fd limit
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"uvicorn did not start; see {log}")

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=15)
        self.log.close()


# --- data -----------------------------------------------------------------------------------

SETUP = """
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from importlib import import_module
from rapport.accounts.models import Role, User
from rapport.inboxes.adapters.chat.tokens import anonymous_visitor, issue_token
from rapport.inboxes.models import Inbox, InboxKind
agent = User.objects.create_user("bench@shop.example", password="x" * 20, name="Bench Agent",
                                 role=Role.AGENT)
inbox = Inbox.objects.create(name="Bench chat", kind=InboxKind.CHAT, config={
    "messages_per_ip_minute": 1000000, "conversations_per_ip_hour": 1000000})
inbox.members.add(agent)
store = import_module(settings.SESSION_ENGINE).SessionStore()  # the server's store
store.update({SESSION_KEY: str(agent.pk), HASH_SESSION_KEY: agent.get_session_auth_hash(),
              BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend"})
store.save()
tokens = [issue_token(anonymous_visitor(inbox.pk)) for _ in range(COUNT)]
print(json.dumps({"cookie": f"{settings.SESSION_COOKIE_NAME}={store.session_key}",
                  "tokens": tokens}))
"""


def prepare(env: dict[str, str], count: int) -> dict[str, object]:
    """Migrate a fresh database; an agent session and ``count`` visitor tokens (no HTTP)."""
    done = subprocess.run(
        [sys.executable, "-c", SETUP.replace("COUNT", str(count))],
        env=env, cwd=REPO, capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# --- load -----------------------------------------------------------------------------------


async def open_visitors(url: str, tokens: list[str]) -> list[object]:
    from websockets.asyncio.client import connect

    async def one(token: str) -> object:
        socket = await connect(f"{url}/ws/chat", origin="http://shop.example", open_timeout=60)
        await socket.send(json.dumps({"type": "auth", "token": token, "last_id": 0}))
        while json.loads(await socket.recv())["type"] != "ready":
            pass
        return socket

    sockets: list[object] = []
    for start in range(0, len(tokens), 100):  # in waves, as a burst of page views would
        sockets += await asyncio.gather(*(one(t) for t in tokens[start : start + 100]))
    return sockets


async def drain(socket: object) -> None:
    """Visitors read their pushes (their own echoes), as a browser would."""
    try:
        async for _frame in socket:  # type: ignore[attr-defined]
            pass
    except Exception:  # noqa: S110  (closed at the end of the run)
        pass


async def measure(
    post_url: str,
    agent_url: str,
    cookie: str,
    tokens: list[str],
    visitors: list[object],
    via: str,
    rate: int,
    seconds: float,
) -> tuple[list[float], int]:
    import httpx
    from websockets.asyncio.client import connect

    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    agent = await connect(
        f"{agent_url}/ws/agent", origin=agent_url, additional_headers={"Cookie": cookie}
    )

    async def listen() -> None:
        async for raw in agent:
            frame = json.loads(raw)
            if frame.get("type") == "message" and frame.get("preview", "") in sent_at:
                latencies.append((time.perf_counter() - sent_at.pop(frame["preview"])) * 1000)

    listener = asyncio.create_task(listen())
    # An agent coming online tells every open widget (availability): 1,000 pushes at once.
    # That is its own event, not a visitor's message; let it settle before the clock runs.
    await asyncio.sleep(2)
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def post(n: int) -> None:
            tag = f"bench message {n}"
            if via == "socket":  # the visitor's own widget socket; its ack is read by drain()
                frame = {"type": "message", "text": tag, "client_id": f"b{rate}-{n}", "page": ""}
                visitor = random.choice(visitors)
                sent_at[tag] = time.perf_counter()
                with contextlib.suppress(Exception):  # counted as lost: no push arrives
                    await visitor.send(json.dumps(frame))  # type: ignore[attr-defined]
                return
            token = random.choice(tokens)
            sent_at[tag] = time.perf_counter()
            with contextlib.suppress(httpx.HTTPError):  # counted as lost: no push arrives
                await client.post(
                    f"{post_url}/chat/v1/messages",
                    json={"text": tag, "client_id": f"b{rate}-{n}"},
                    headers={"Authorization": f"Bearer {token}"},
                )

        tasks = []
        start = time.perf_counter()
        total = int(rate * seconds)
        for n in range(total):  # open loop: send on schedule whatever the answers do
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(n)))
        await asyncio.gather(*tasks)
    deadline = time.perf_counter() + 10
    while sent_at and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    listener.cancel()
    await agent.close()
    return latencies, len(sent_at)


async def run_setup(
    name: str, redis: bool, sockets: int, rates: list[int], seconds: float, via: str
) -> list[Result]:
    data = BENCH_ROOT / f"realtime-{name}"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    env = environment(data, redis)
    if redis:
        import redis as redis_client

        redis_client.Redis.from_url(REDIS_URL).flushdb()
    prepared = prepare(env, sockets)
    tokens = list(prepared["tokens"])  # type: ignore[call-overload]
    first = Server(env, data / "a.log")
    second = Server(env, data / "b.log") if redis else first
    try:
        await asyncio.sleep(1)
        rss_before = first.rss_mib()
        started = time.perf_counter()
        visitors = await open_visitors(first.url.replace("http", "ws"), tokens)
        connect_seconds = time.perf_counter() - started
        readers = [asyncio.create_task(drain(v)) for v in visitors]
        # The load generator's own collections must not be measured as server latency:
        # its thousand sockets are long-lived, so they leave the collector's view.
        gc.collect()
        gc.freeze()
        await asyncio.sleep(2)
        rss_after = first.rss_mib()
        measured = []
        for rate in rates:  # the same open sockets, one rate after the other
            measured.append(await measure(
                first.url, second.url.replace("http", "ws"), str(prepared["cookie"]),
                tokens, visitors, via, rate, seconds,
            ))  # fmt: skip
            await asyncio.sleep(2)
        for visitor in visitors:
            await visitor.close()  # type: ignore[attr-defined]
        for reader in readers:
            reader.cancel()
    finally:
        first.stop()
        if second is not first:
            second.stop()
    label = (
        "1 process, in-memory layer" if not redis else "2 processes (A: visitors, B: agent), Redis"
    )
    return [
        Result(
            label,
            via,
            sockets,
            connect_seconds,
            rate,
            int(rate * seconds),
            Timing(latencies),
            lost,
            rss_before,
            rss_after,
        )
        for rate, (latencies, lost) in zip(rates, measured, strict=True)
    ]


# --- report ---------------------------------------------------------------------------------


def report(results: list[Result]) -> str:
    header = [
        "setup", "sent via", "open widget sockets", "opened in", "messages", "p50", "p95", "p99",
        "lost", "memory per socket",
    ]  # fmt: skip
    rows = [row(r) for r in results]
    return markdown_table(header, rows)


def row(r: Result) -> list[object]:
    memory = f"{r.kib_per_socket:.0f} KiB (RSS {r.rss_before_mib:.0f} → {r.rss_after_mib:.0f} MiB)"
    return [
        r.setup, VIA[r.via], r.sockets, f"{r.connect_seconds:.1f} s", f"{r.sent} at {r.rate}/s",
        f"{ms(r.latency.p50)} ms", f"{ms(r.latency.p95)} ms", f"{ms(r.latency.p99)} ms",
        r.lost, memory,
    ]  # fmt: skip


VIA = {"socket": "widget socket", "http": "HTTP POST"}


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def append(body: str, command: str, via: str, load_before: str) -> None:
    now = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    section = (
        f"\n## Live chat (messages sent via {VIA[via]})\n\n{now} — {machine()}; load average "
        f"(1, 5, 15 min) {load_before} before the run, {load_average()} after it\n\n"
        f"```\n{command}\n```\n\n"
        f"Visitor-to-agent latency: from sending a widget message ({VIA[via]}, `--via {via}`) "
        "until the agent's websocket received its push, so it includes the transport, the "
        "database write and the fan-out. Targets: p99 ≤ 50 ms in memory on one machine, "
        "≤ 100 ms through Redis across two processes. Memory per socket: growth of process "
        f"A's RSS while the widget sockets opened, divided by their number.\n\n{body}\n"
    )
    if not DOCS.exists():
        DOCS.parent.mkdir(parents=True, exist_ok=True)
        DOCS.write_text("# Benchmarks\n")
    with DOCS.open("a") as docs:
        docs.write(section)
    print(f"appended to {DOCS}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--layer", choices=["memory", "redis", "both"], default="both")
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument(
        "--rates", default="100,50", help="messages per second, one run each (comma-separated)"
    )
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument(
        "--via",
        choices=["socket", "http"],
        default="socket",
        help="visitors send over their open widget socket, or as HTTP POSTs",
    )
    parser.add_argument("--quick", action="store_true", help="100 sockets for 5 s; no docs")
    parser.add_argument("--no-docs", action="store_true", help="print only (e.g. while profiling)")
    args = parser.parse_args()
    if args.quick:
        args.sockets, args.seconds = 100, 5
    raise_file_limit()
    layers = ["memory", "redis"] if args.layer == "both" else [args.layer]
    rates = [int(rate) for rate in args.rates.split(",")]
    load_before = load_average()
    results = [
        result
        for layer in layers
        for result in asyncio.run(
            run_setup(layer, layer == "redis", args.sockets, rates, args.seconds, args.via)
        )
    ]
    body = report(results)
    print(body)
    if not (args.quick or args.no_docs):
        command = [".venv/bin/python", "bench/realtime.py", *sys.argv[1:]]
        if "--via" not in sys.argv:
            command += ["--via", args.via]  # the default, spelled out in the docs
        append(body, " ".join(command), args.via, load_before)


if __name__ == "__main__":
    main()
