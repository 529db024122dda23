"""Private Redis and PostgreSQL servers that fault tests may stop and start.

The machine's shared servers must stay up; these run on free ports from temporary
directories, belong to one test, and are the only ones a test ever stops.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.realtime.servers import free_port, need


def wait_for_port(port: int, up: bool, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                listening = True
        except OSError:
            listening = False
        if listening == up:
            return
        time.sleep(0.05)
    raise RuntimeError(f"port {port} did not go {'up' if up else 'down'} in {timeout} s")


class PrivateRedis:
    """``redis-server`` on a free port, without persistence, for one test."""

    def __init__(self, directory: Path) -> None:
        need("redis-server", shutil.which("redis-server") is not None)
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        server = shutil.which("redis-server") or "redis-server"
        options = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(  # noqa: S603  (a fixed command line)
            [server, "--port", str(self.port), *options, "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, up=True)

    def stop(self) -> None:
        """Stop it hard (SIGKILL): as a crash or a cut network looks to its clients."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None
        wait_for_port(self.port, up=False)


class PrivatePostgres:
    """A PostgreSQL cluster made with ``initdb`` in a temporary directory, on a free port.

    PostgreSQL refuses to run as root; on a root machine the cluster belongs to the
    ``postgres`` user, and ``pg_ctl`` runs as that user.
    """

    def __init__(self) -> None:
        self.bin = self._bin_dir()
        self.port = free_port()
        # Not under pytest's tmp_path: the postgres user cannot enter root's 0700 directory.
        directory = Path(tempfile.mkdtemp(prefix="rapport-faults-pg-"))
        self.directory = directory
        self.data = directory / "pgdata"
        self.user = "postgres" if os.geteuid() == 0 else ""
        if self.user:
            owner = pwd.getpwnam(self.user)
            os.chown(directory, owner.pw_uid, owner.pw_gid)
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        self.start()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    @staticmethod
    def _bin_dir() -> Path:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        need("PostgreSQL's initdb and pg_ctl", bool(found))
        return found[-1].parent

    def run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)  # noqa: S603

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.data / "log")
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-w", "-l", log, "start")
        wait_for_port(self.port, up=True)

    def stop(self) -> None:
        """Fast shutdown: open connections are cut, as when the server goes away."""
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        wait_for_port(self.port, up=False)

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, RuntimeError):
            self.stop()  # unless already stopped
        shutil.rmtree(self.directory, ignore_errors=True)
