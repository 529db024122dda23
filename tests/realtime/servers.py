"""Real servers for end-to-end tests: uvicorn processes (websockets need a real ASGI server;
pytest-django's live_server is WSGI) and a plain static site that embeds the widget."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from rapport.cli import server_flags
from tests.availability import could_not_run

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def need(component: str, available: bool) -> None:
    """A missing server or browser: a failure on CI, a plain skip elsewhere."""
    if not available:
        could_not_run(f"{component} is not available on this machine")


def server_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="rapport.config.settings",
        RAPPORT_DATA_DIR=str(data_dir),
        RAPPORT_TESTING="1",  # jobs run at once, in the process that queued them
        SECRET_KEY="realtime-tests-shared-secret-key-0123456789",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def serverctl(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603  (our own interpreter and module)
        [sys.executable, "-m", "tests.realtime.serverctl", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"serverctl {args} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


class Uvicorn:
    """One uvicorn process serving Rapport (HTTP and websockets) on a free port."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self.log = log.open("w")
        self.process = subprocess.Popen(  # noqa: S603  (our own interpreter and module)
            [
                sys.executable,
                "-m",
                "uvicorn",
                "rapport.config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                *server_flags(),  # the options of rapport serve and rapport web
                "--no-access-log",
                "--lifespan",
                "off",
            ],
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"uvicorn did not start:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


DEMO_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Demo shop</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>* {{ font: 40px/1 serif !important; color: red !important; }}
div {{ display: none !important; }}</style>
</head><body><h1>Demo shop</h1><p>Lamps, chairs and tables.</p>
<script src="{rapport}/static/chat/widget.js" data-inbox="{key}" async></script>
</body></html>
"""


class DemoSite:
    """Another origin that embeds the widget, with hostile page CSS around it."""

    def __init__(self, directory: Path, rapport_url: str, inbox_key: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "index.html").write_text(DEMO_PAGE.format(rapport=rapport_url, key=inbox_key))
        (directory / "other.html").write_text(
            DEMO_PAGE.format(rapport=rapport_url, key=inbox_key).replace(
                "Demo shop</h1>", "Another page</h1>"
            )
        )
        handler = partial(QuietHandler, directory=str(directory))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        # "localhost" vs Rapport's "127.0.0.1": a different origin, as on a real website.
        self.url = f"http://localhost:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass
