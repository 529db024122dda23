"""A local HTTP server standing in for a provider's API where ``ProviderServer`` (POST
only, one queue of answers) is not enough: answers chosen by method and path, GET for
file downloads and account checks. Used by the Telegram and X tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.channels.conformance import Recorded

Answer = tuple[int, dict[str, str], Any]  # status, headers, JSON value or raw bytes


@dataclass
class FakeApi:
    """``routes`` maps "METHOD /path" (the path after any token, see ``route_of``) to an
    answer; unknown routes answer 404. Every request is recorded."""

    routes: dict[str, Answer] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    url: str = ""

    def route_of(self, method: str, path: str) -> str:
        """Telegram puts the token in the path (/bot<token>/getMe, /file/bot<token>/x):
        routes name what follows it ("POST getMe", "GET file/photos/a.jpg")."""
        parts = path.split("?", 1)[0].lstrip("/").split("/")
        if parts[0].startswith("bot"):
            return f"{method} {'/'.join(parts[1:])}"
        if parts[0] == "file" and len(parts) > 1 and parts[1].startswith("bot"):
            return f"{method} file/{'/'.join(parts[2:])}"
        return f"{method} /{'/'.join(parts)}"

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self, method: str) -> None:
                length = int(self.headers.get("Content-Length", "0") or 0)
                body = self.rfile.read(length) if length else b""
                fake.requests.append(Recorded(method, self.path, dict(self.headers.items()), body))
                status, headers, payload = fake.routes.get(
                    fake.route_of(method, self.path), (404, {}, {"error": "no such route"})
                )
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                kind = (
                    "application/octet-stream" if isinstance(payload, bytes) else "application/json"
                )
                for name, value in {"Content-Type": kind, **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self.answer("GET")

            def do_POST(self) -> None:
                self.answer("POST")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def calls(self, route: str) -> list[Recorded]:
        return [r for r in self.requests if self.route_of(r.method, r.path) == route]


@contextmanager
def running(fake: FakeApi) -> Iterator[FakeApi]:
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
