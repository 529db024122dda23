"""For comparison in the ingest benchmark: HTTP through Django's own ASGI handler.

Rapport served HTTP this way until 2026-11-23. Django's ``ASGIHandler`` runs each
request's sync code on a new thread, so database connections last one request; Rapport
now runs Django's WSGI handler in a fixed pool of threads instead (rapport/config/asgi.py).

    .venv/bin/python bench/ingest.py --app django-asgi
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.config.settings")

from asgiref.typing import ASGIReceiveCallable, ASGISendCallable, Scope
from django.core.asgi import get_asgi_application

django_http = get_asgi_application()

from rapport.config.asgi import application as rapport_application  # noqa: E402
from rapport.realtime import layer  # noqa: E402


async def application(scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
    if scope["type"] == "http":
        layer.remember_loop()  # as Rapport's entry point does, for the pushes
        await django_http(scope, receive, send)
    else:
        await rapport_application(scope, receive, send)
