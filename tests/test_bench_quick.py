"""The benchmark scripts still work: generate a tiny help desk and time the inbox reads once.

The real benchmarks run on demand (docs/benchmarks.md); this only proves the scripts run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_generate_and_time_the_inbox_quickly(tmp_path: Path) -> None:
    env = {**os.environ, "RAPPORT_BENCH_DIR": str(tmp_path)}
    command = [
        sys.executable,
        "bench/inbox.py",
        "--quick",
        "--conversations",
        "2000",
        "--samples",
        "2",
        "--warmup",
        "0",
    ]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode in (0, 1), done.stderr  # 1: a target missed; timing is not the point
    assert "generated 2,000 conversations" in done.stdout
    for surface in ("| list selector |", "| inbox page |", "| API list |", "| tab counts |"):
        assert surface in done.stdout, done.stdout
    assert (tmp_path / "sqlite-2000" / "rapport.sqlite3").exists()
