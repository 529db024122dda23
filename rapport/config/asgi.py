"""The ASGI application: Django for HTTP, Channels consumers for websockets."""

import os

from asgiref.typing import ASGIReceiveCallable, ASGISendCallable, Scope
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.config.settings")
# Django must be set up before the consumers (and the models they import) load.
django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from rapport.realtime import layer  # noqa: E402
from rapport.realtime.routing import websocket_application  # noqa: E402

router = ProtocolTypeRouter({"http": django_application, "websocket": websocket_application()})


async def application(scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
    # Pushes from request threads are handed to this loop without waiting (see
    # realtime.layer), so it must be known before the first websocket connects.
    if scope["type"] != "lifespan":
        layer.remember_loop()
    await router(scope, receive, send)
