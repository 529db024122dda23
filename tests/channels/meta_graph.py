"""A local stand-in for Meta's Graph API for the Messenger and Instagram tests: it answers
GETs (a Page's name, a customer's profile, a file's bytes) and POSTs (the Send API, the
attachment upload) from a table of routes, and records every request."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.channels.conformance import Recorded

# (status, headers, body): a dict is sent as JSON, bytes as they are.
Answer = tuple[int, dict[str, str], dict[str, Any] | bytes]


@dataclass
class GraphServer:
    """``routes`` maps "GET /path" or "POST /path" (the path without its query) to an answer,
    or to a list of answers given in turn (the last repeated). Unknown routes get Meta's
    error for an unknown object."""

    routes: dict[str, Answer | list[Answer]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    url: str = ""

    def start(self) -> None:
        graph = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.answer("GET", b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                self.answer("POST", self.rfile.read(length))

            def answer(self, method: str, body: bytes) -> None:
                graph.requests.append(Recorded(method, self.path, dict(self.headers.items()), body))
                status, headers, payload = graph.answer_for(method, self.path.split("?")[0])
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

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer_for(self, method: str, path: str) -> Answer:
        found = self.routes.get(f"{method} {path}")
        if isinstance(found, list):
            return found.pop(0) if len(found) > 1 else found[0]
        if found is not None:
            return found
        error = {"message": "Unsupported get request.", "type": "GraphMethodException", "code": 100}
        return 400, {}, {"error": error}

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def sent(self, method: str = "POST") -> list[Recorded]:
        return [r for r in self.requests if r.method == method]
