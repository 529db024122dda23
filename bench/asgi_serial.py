"""An experiment for the ingest benchmark: Django's HTTP handler without a thread per request.

Django's ``ASGIHandler`` wraps every request in asgiref's ``ThreadSensitiveContext``, so the
sync parts of each request (middleware, views, the ORM) run on a new thread. Database
connections are per thread, so ``CONN_MAX_AGE`` cannot keep one: every request opens a
connection (Django ticket #33497), and on SQLite 32 threads then queue for the write lock in
SQLite's sleeping busy handler. Without that context, asgiref runs all sync code of the
process on one thread: one persistent connection, writes queued in order, no busy waits —
what a synchronous WSGI worker does. Websockets (Channels consumers) are untouched.

    .venv/bin/python bench/ingest.py --app serial
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


http_application = SerialASGIHandler()


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        await http_application(scope, receive, send)
    else:
        await rapport_application(scope, receive, send)
