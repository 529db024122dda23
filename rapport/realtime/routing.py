"""The websocket side of the ASGI application.

The agent socket is guarded by the Origin check (a page on another site must not ride on
the agent's session cookie) and signed in by the session. The visitor socket is meant to
be opened from customers' websites, so it takes any origin at the door and checks the
inbox's allowed origins itself, after reading the visitor token.
"""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from rapport.realtime.consumers.agent import AgentConsumer
from rapport.realtime.consumers.visitor import VisitorConsumer

AGENT_PATH = "ws/agent"
VISITOR_PATH = "ws/chat"


def websocket_application() -> URLRouter:
    # Django's path() is typed for views only; Channels documents it for consumers too.
    agent: Any = AllowedHostsOriginValidator(AuthMiddlewareStack(AgentConsumer.as_asgi()))
    visitor: Any = VisitorConsumer.as_asgi()
    routes: Any = [path(AGENT_PATH, agent), path(VISITOR_PATH, visitor)]
    return URLRouter(routes)
