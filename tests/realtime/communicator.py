"""A websocket test client for ASGI apps (channels.testing needs daphne, which we don't use)."""

from __future__ import annotations

import json
from typing import Any

from asgiref.testing import ApplicationCommunicator


class Socket(ApplicationCommunicator):  # type: ignore[misc]
    def __init__(self, application: Any, path: str, headers: list[tuple[bytes, bytes]]) -> None:
        scope = {
            "type": "websocket",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": headers,
            "subprotocols": [],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        super().__init__(application, scope)

    async def connect(self, timeout: float = 3) -> tuple[bool, int | None]:
        """(accepted, close code when refused)."""
        await self.send_input({"type": "websocket.connect"})
        event = await self.receive_output(timeout)
        if event["type"] == "websocket.close":
            return False, event.get("code")
        return event["type"] == "websocket.accept", None

    async def send_json_to(self, data: dict[str, Any]) -> None:
        await self.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def send_text(self, text: str) -> None:
        await self.send_input({"type": "websocket.receive", "text": text})

    async def receive_event(self, timeout: float = 3) -> dict[str, Any]:
        return dict(await self.receive_output(timeout))

    async def receive_json_from(self, timeout: float = 3) -> dict[str, Any]:
        event = await self.receive_output(timeout)
        if event["type"] != "websocket.send":
            raise AssertionError(f"expected a frame, got {event}")
        return dict(json.loads(event["text"]))

    async def disconnect(self, code: int = 1000, timeout: float = 3) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)
