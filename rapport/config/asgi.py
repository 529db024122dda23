"""The ASGI application: Django for HTTP (in a fixed pool of threads), Channels for websockets.

HTTP goes to Django's WSGI handler through a2wsgi, not to Django's ASGI handler. Every
Rapport view is synchronous, and the ASGI handler runs each request's sync code on a new
thread: a database connection then lives for one request only (``CONN_MAX_AGE`` keeps
nothing; on PostgreSQL "persistent" connections of finished threads pile up, Django
ticket #33497), and each request pays several async↔sync hand-offs. A fixed pool of
``WEB_THREADS`` threads keeps one connection per thread and made a request 2 to 3 times
cheaper in the ingest benchmark (docs/benchmarks.md). Websockets stay on the event loop.
"""

import gc
import os
import sys

from asgiref.typing import ASGIReceiveCallable, ASGISendCallable, Scope
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.config.settings")
# Django must be set up before the consumers (and the models they import) load.
wsgi_application = get_wsgi_application()

from a2wsgi import WSGIMiddleware  # noqa: E402
from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from rapport.realtime import layer  # noqa: E402
from rapport.realtime.routing import websocket_application  # noqa: E402

# Threads that wait for the database let go of the GIL, and getting it back meant waiting
# out another thread's whole 5 ms slice: with four web threads a message spent more time
# waiting than working. A 1 ms slice: 298 → 361 messages/s with eight threads (ingest
# benchmark, same machine and minute).
sys.setswitchinterval(0.001)
http_application = WSGIMiddleware(wsgi_application, workers=settings.WEB_THREADS)  # type: ignore[arg-type]
router = ProtocolTypeRouter({"http": http_application, "websocket": websocket_application()})


async def application(scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
    # Pushes from request threads are handed to this loop without waiting (see
    # realtime.layer), so it must be known before the first one.
    if scope["type"] != "lifespan":
        layer.remember_loop()
    await router(scope, receive, send)


# Python's garbage collections walk every tracked object; with a thousand open sockets
# full collections paused the server 100-200 ms at a time (bench/realtime.py). What exists
# now lives as long as the process: freeze it out of the collections, and collect less
# often. In back-to-back runs at 100 chat messages/s, (10000, 20, 20) gave p95 20-25 ms
# where (700, 10, 100) gave 260-290 ms, but single runs vary a lot (docs/benchmarks.md).
gc.freeze()
gc.set_threshold(10_000, 20, 20)
