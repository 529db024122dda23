"""What the benchmark scripts share: choosing a database, starting Django, statistics,
Markdown tables, a description of the machine, and appending results to docs/benchmarks.md.

Nothing here imports Django at module level, so a script can set the environment first.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH_ROOT = Path(os.environ.get("RAPPORT_BENCH_DIR", "/tmp/rapport-bench"))  # noqa: S108
DOCS = REPO / "docs" / "benchmarks.md"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
RESULT_LOG = "## Result log: inbox reads and API-channel ingest"

if str(REPO) not in sys.path:  # the scripts import rapport from the checkout
    sys.path.insert(0, str(REPO))


@dataclass(frozen=True)
class Target:
    """Where a benchmark's data lives."""

    database_url: str
    data_dir: Path  # RAPPORT_DATA_DIR: the SQLite file (if any), secret key, job queue

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))

    @property
    def engine(self) -> str:
        return "PostgreSQL" if self.is_postgres else "SQLite"

    @property
    def pg_name(self) -> str:
        return self.database_url.rsplit("/", 1)[-1].split("?", 1)[0]


def target_for(db: str, name: str, database_url: str | None = None) -> Target:
    """``db`` is sqlite or postgres; ``name`` names the SQLite directory or PostgreSQL database."""
    if database_url:
        data_dir = BENCH_ROOT / f"data-{name}"
        if database_url.startswith("sqlite:///"):
            data_dir = Path(database_url.removeprefix("sqlite:///")).parent
        return Target(database_url, data_dir)
    if db == "postgres":
        return Target(f"{PG_SERVER}/{name}", BENCH_ROOT / f"data-pg-{name}")
    data_dir = BENCH_ROOT / f"sqlite-{name}"
    return Target(f"sqlite:///{data_dir / 'rapport.sqlite3'}", data_dir)


def setup_django(target: Target, settings: str = "rapport.config.settings") -> None:
    """Point the settings at ``target`` and start Django (persistent connections on)."""
    target.data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = target.database_url
    os.environ["RAPPORT_DATA_DIR"] = str(target.data_dir)
    os.environ.setdefault("DB_CONN_MAX_AGE", "600")
    os.environ["DJANGO_SETTINGS_MODULE"] = settings
    import django

    django.setup()


def recreate_postgres_database(name: str) -> None:
    """Drop and create one of the benchmark's own databases (never anything else)."""
    # A helper's own benchmark database is rapport_<helper>_bench.
    if not (
        name.startswith("rapport_bench")
        or (name.startswith("rapport_") and name.endswith("_bench"))
    ):
        raise SystemExit(
            f"refusing to drop {name!r}: benchmark databases are rapport_bench… or rapport_…_bench"
        )
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3):
            return True
    except Exception:
        return False


# --- statistics -------------------------------------------------------------------------


def percentile(samples: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) by linear interpolation between closest ranks."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class Timing:
    """Samples in milliseconds, summarised."""

    samples: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)

    @property
    def p99(self) -> float:
        return percentile(self.samples, 99)


def ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


# --- the machine ------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return "unknown"


def _postgres_version() -> str:
    try:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "unknown"
    except Exception:
        return "not reachable"


def machine() -> str:
    """One line describing where the numbers were measured."""
    cores = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    import django

    return (
        f"{cores or os.cpu_count()} cores ({_cpu_model()}), {_ram_gib()} RAM, "
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"SQLite {sqlite3.sqlite_version}, PostgreSQL {_postgres_version()}"
    )


def append_to_docs(title: str, command: str, body: str) -> None:
    """Add a dated results section at the end of the "Result log" of docs/benchmarks.md."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (
        f"\n### {title} — {now}\n\nMachine: {machine()}\n\n```\n{command}\n```\n\n{body.rstrip()}\n"
    )
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
    if RESULT_LOG not in text:
        text = text.rstrip() + f"\n\n{RESULT_LOG}\n"
    start = text.index(RESULT_LOG) + len(RESULT_LOG)
    following = text.find("\n## ", start)  # the log ends where the next chapter starts
    end = len(text) if following < 0 else following
    DOCS.write_text(text[:end].rstrip("\n") + "\n" + section + text[end:])
    print(f"appended to {DOCS}")


def command_line() -> str:
    return " ".join(
        [".venv/bin/python", *[str(Path(a)) if a.endswith(".py") else a for a in sys.argv]]
    )
