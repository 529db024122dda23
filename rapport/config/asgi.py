"""The ASGI application: Django for HTTP, Channels consumers for websockets."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.config.settings")
# Django must be set up before the consumers (and the models they import) load.
django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from rapport.realtime.routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter({"http": django_application, "websocket": websocket_application()})
