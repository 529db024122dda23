"""Experiments for the ingest benchmark: other ways to serve Django's HTTP under uvicorn.

Django's ``ASGIHandler`` wraps every request in asgiref's ``ThreadSensitiveContext``, so the
sync parts of each request (middleware, views, the ORM) run on a new thread, with about five
async↔sync hand-offs per request. Database connections are per thread, so ``CONN_MAX_AGE``
cannot keep one: every request opens a connection (Django ticket #33497), and on SQLite 32
threads then queue for the write lock in SQLite's sleeping busy handler.

- ``serial``: the same handler without that context: asgiref then runs all sync code of
  the process on one thread (one persistent connection, writes queued in order).
- ``wsgi``: Django's WSGI handler in a fixed pool of threads (a2wsgi): one hand-off per
  request and one persistent connection per thread. ``BENCH_WSGI_THREADS`` (default 4).

Websockets go to Rapport's own application either way.

    .venv/bin/python bench/ingest.py --app serial
    .venv/bin/python bench/ingest.py --app wsgi        # needs `pip install a2wsgi`
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.config.settings")

from django.core.handlers.asgi import ASGIHandler

from rapport.config.asgi import application as rapport_application


class SerialASGIHandler(ASGIHandler):
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}")
        await self.handle(scope, receive, send)  # no ThreadSensitiveContext: one sync thread


serial_http = SerialASGIHandler()


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        await serial_http(scope, receive, send)
    else:
        await rapport_application(scope, receive, send)


_wsgi_http: Any = None


async def wsgi_application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global _wsgi_http
    if scope["type"] != "http":
        await rapport_application(scope, receive, send)
        return
    if _wsgi_http is None:
        from a2wsgi import WSGIMiddleware
        from django.core.wsgi import get_wsgi_application

        threads = int(os.environ.get("BENCH_WSGI_THREADS", "4"))
        _wsgi_http = WSGIMiddleware(get_wsgi_application(), workers=threads)  # type: ignore[arg-type]
    await _wsgi_http(scope, receive, send)
