"""``safe_http.get``: files a provider's webhook links to are fetched with the same
refusals as outbound posts, and never past the caller's size limit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from rapport.core import safe_http


@pytest.fixture
def files(settings: Any) -> Iterator[str]:
    """A local server: /small (declared), /big-declared, /big-undeclared (no length)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"x" * (100 if self.path == "/small" else 5000)
            self.send_response(200)
            if self.path != "/big-undeclared":
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.RAPPORT_WEBHOOK_ALLOW_HOSTS = ["127.0.0.1"]
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_file_within_the_limit_is_read_whole(files: str) -> None:
    answer = safe_http.get(f"{files}/small", headers={}, timeout=5, limit=1000)
    assert (answer.status, answer.body) == (200, b"x" * 100)


@pytest.mark.parametrize("path", ["/big-declared", "/big-undeclared"])
def test_a_file_over_the_limit_is_refused_whether_declared_or_not(files: str, path: str) -> None:
    with pytest.raises(safe_http.TooLargeAnswer, match="1000-byte limit"):
        safe_http.get(f"{files}{path}", headers={}, timeout=5, limit=1000)


def test_an_internal_address_is_refused_without_the_allowlist(files: str, settings: Any) -> None:
    settings.RAPPORT_WEBHOOK_ALLOW_HOSTS = []
    with pytest.raises(safe_http.UnsafeURL, match="internal address"):
        safe_http.get(f"{files}/small", headers={}, timeout=5, limit=1000)
