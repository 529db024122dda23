"""What the WhatsApp Cloud API tests share: a local Graph API (``GraphServer``), the
webhook bodies Meta posts, written from Meta's documented examples, and the inbox."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from rapport.inboxes.adapters import meta

PHONE_ID = "106540352242922"
WABA_ID = "102290129340398"
TOKEN = "EAAGtest0token0for0the0local0graph"
APP_SECRET = "e" * 32
BUSINESS_NUMBER = "15550100199"
JSON = "application/json"

Answer = tuple[int, dict[str, str], Any]  # status, headers, JSON object or bytes


@dataclass
class Seen:
    method: str
    path: str  # with its query
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class GraphServer:
    """A local Graph API: answers per (method, path without query), the last one of a
    route repeated; records every request."""

    routes: dict[tuple[str, str], list[Answer]] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    url: str = ""

    def answer(self, method: str, path: str, *answers: Answer) -> None:
        self.routes[(method, path)] = list(answers)

    def start(self) -> None:
        graph = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.respond("GET")

            def do_POST(self) -> None:
                self.respond("POST")

            def respond(self, method: str) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                graph.requests.append(Seen(method, self.path, dict(self.headers.items()), body))
                route = graph.routes.get((method, urlsplit(self.path).path))
                status, headers, payload = (
                    (route.pop(0) if len(route) > 1 else route[0])
                    if route
                    else (404, {}, {"error": {"message": "Unknown path", "code": 100}})
                )
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                kind = "application/octet-stream" if isinstance(payload, bytes) else JSON
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

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def knows_the_number(self) -> None:
        self.answer(
            "GET",
            f"/{PHONE_ID}",
            (
                200,
                {},
                {
                    "display_phone_number": "+1 555-010-0199",
                    "verified_name": "Alder & Finch",
                    "id": PHONE_ID,
                },
            ),
        )


def webhook(**value: Any) -> bytes:
    """A Cloud API webhook body, as Meta documents it, holding ``value``."""
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": WABA_ID,
                    "changes": [
                        {
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": BUSINESS_NUMBER,
                                    "phone_number_id": PHONE_ID,
                                },
                                **value,
                            },
                            "field": "messages",
                        }
                    ],
                }
            ],
        }
    ).encode()


def contact(wa_id: str, name: str = "Ana Ruiz") -> dict[str, Any]:
    return {"profile": {"name": name}, "wa_id": wa_id}


def text_message(wa_id: str, text: str, wamid: str, **more: Any) -> dict[str, Any]:
    return {
        "from": wa_id,
        "id": wamid,
        "timestamp": "1733390000",
        "type": "text",
        "text": {"body": text},
        **more,
    }


def status(wamid: str, value: str, wa_id: str = "14155550123") -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": wamid,
        "status": value,
        "timestamp": "1733390100",
        "recipient_id": wa_id,
    }
    if value == "failed":
        found["errors"] = [
            {
                "code": 131026,
                "title": "Message undeliverable",
                "message": "Message undeliverable",
                "error_data": {"details": "Message Undeliverable."},
            }
        ]
    return found


def signed(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    return {"HTTP_X_HUB_SIGNATURE_256": meta.signature(secret, body)}


def accepted(wamid: str, wa_id: str = "14155550123") -> Answer:
    """The Cloud API's answer to a message it took (Meta's documented response)."""
    return (
        200,
        {},
        {
            "messaging_product": "whatsapp",
            "contacts": [{"input": wa_id, "wa_id": wa_id}],
            "messages": [{"id": wamid}],
        },
    )


def graph_error(status_code: int, code: int, message: str, details: str = "") -> Answer:
    """A Graph API error, as Meta documents its shape."""
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AbCdEf123",
    }
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return status_code, {}, {"error": error}


TEMPLATES_PAGE = {
    "data": [
        {
            "name": "order_update",
            "parameter_format": "POSITIONAL",
            "components": [
                {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}"},
                {
                    "type": "BODY",
                    "text": "Hi {{1}}, your order {{2}} is on its way."
                    " Reply here with any question.",
                    "example": {"body_text": [["Ana", "10231"]]},
                },
                {"type": "FOOTER", "text": "Alder & Finch"},
                {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Thanks"}]},
            ],
            "language": "en_US",
            "status": "APPROVED",
            "category": "UTILITY",
            "id": "1203456789012345",
        },
        {
            "name": "follow_up",
            "parameter_format": "NAMED",
            "components": [
                {
                    "type": "BODY",
                    "text": "Hello {{first_name}}, we are still here for your question.",
                    "example": {
                        "body_text_named_params": [{"param_name": "first_name", "example": "Ana"}]
                    },
                }
            ],
            "language": "en",
            "status": "APPROVED",
            "category": "UTILITY",
            "id": "1203456789012346",
        },
        {
            "name": "new_catalogue",
            "components": [
                {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW..."]}},
                {"type": "BODY", "text": "Our autumn catalogue is out."},
            ],
            "language": "en",
            "status": "APPROVED",
            "category": "MARKETING",
            "id": "1203456789012347",
        },
    ],
    "paging": {"cursors": {"before": "MAZDZD", "after": "MgZDZD"}},
}
