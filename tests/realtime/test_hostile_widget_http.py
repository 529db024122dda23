"""Hostile input to the widget's HTTP endpoints: always a 4xx the widget can read.

Every refusal is JSON ``{"error": ...}`` with the CORS headers (the widget runs on another
origin and cannot read anything else), nothing is stored, and it is answered at once.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client

from rapport.conversations.models import Message
from rapport.customers.models import Customer
from rapport.inboxes.adapters.chat import web
from tests.realtime.conftest import start_visitor

pytestmark = pytest.mark.django_db(transaction=True)

NESTED = b"[" * 5000 + b"]" * 5000
NESTED_OBJECT = b'{"text": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5001
FAST = 1.0  # seconds: a refusal costs no more than a normal answer


def send(path: str, body: bytes, token: str = "", content_type: str = "application/json") -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    started = time.perf_counter()
    response = Client().generic(
        "POST",
        f"/chat/v1/{path}",
        body,
        content_type=content_type,
        HTTP_ORIGIN="http://shop.example",
        **headers,
    )
    response.seconds = time.perf_counter() - started
    return response


def refused(response: HttpResponse, status: int, says: str) -> None:
    """The widget can read it: JSON, CORS, the status and a reason with ``says`` in it."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert says in response.json()["error"], response.json()
    assert response.seconds < FAST


def json_of(**fields: object) -> bytes:
    return json.dumps(fields).encode()  # ensure_ascii: "\ud800" travels as its escape


@pytest.fixture
def token(chat_inbox) -> str:
    return start_visitor(chat_inbox)


@pytest.mark.parametrize("body", [NESTED, NESTED_OBJECT], ids=["array", "object"])
def test_json_nested_5000_levels_is_a_400_on_every_endpoint(chat_inbox, token, body):
    sessions = f"inboxes/{chat_inbox.public_key}/sessions"

    refused(send(sessions, body), 400, "nested too deeply")  # without any token
    refused(send("messages", body, token), 400, "nested too deeply")
    refused(send("contact", body, token), 400, "nested too deeply")

    assert not Message.objects.exists()
    assert not Customer.objects.exists()


def test_a_lone_surrogate_is_a_400_that_names_the_field(chat_inbox, token):
    text = json_of(text="hi \ud800 there", client_id="s-1")
    refused(send("messages", text, token), 400, "text contains a lone UTF-16 surrogate")
    client_id = json_of(text="hi", client_id="s-\udfff")
    refused(send("messages", client_id, token), 400, "client_id contains a lone UTF-16")
    contact = json_of(name="Kim \ud800", email="kim@mail.example")
    refused(send("contact", contact, token), 400, "name contains a lone UTF-16 surrogate")
    session = json_of(user_id="u\ud800", user_hash="x")
    sessions = f"inboxes/{chat_inbox.public_key}/sessions"
    refused(send(sessions, session), 400, "user_id contains a lone UTF-16 surrogate")

    assert not Message.objects.exists()
    assert not Customer.objects.exists()


def test_nul_characters_are_refused_as_the_rest_api_does(token):
    refused(send("messages", json_of(text="a\x00b", client_id="n-1"), token), 400, "NUL")
    refused(send("messages", json_of(text="ok", client_id="n\x00"), token), 400, "NUL")
    refused(send("messages", json_of(text="ok", client_id="n-2", page="\x00"), token), 400, "NUL")
    refused(send("contact", json_of(name="\x00", email="kim@mail.example"), token), 400, "NUL")

    assert not Message.objects.exists()
    assert not Customer.objects.exists()


def test_a_good_message_after_the_refusals_is_stored_once(token):
    send("messages", json_of(text="a\x00b", client_id="g-1"), token)
    response = send("messages", json_of(text="Where is my parcel?", client_id="g-1"), token)

    assert response.status_code == 201
    assert list(Message.objects.values_list("text", flat=True)) == ["Where is my parcel?"]


def test_not_json_not_utf8_and_not_an_object_are_400s(token):
    refused(send("messages", b"{not json", token), 400, "not valid JSON")
    refused(send("messages", b'{"text": "\xff\xfe"}', token), 400, "not valid JSON")
    refused(send("messages", b'["text"]', token), 400, "must be a JSON object")
    refused(send("messages", json_of(text=["a"], client_id="w"), token), 400, "must be text")
    assert not Message.objects.exists()


def test_an_oversized_body_is_a_413_in_json_with_cors(token):
    over_json_limit = json_of(text="x" * web.MAX_JSON_BYTES, client_id="big")
    refused(send("messages", over_json_limit, token), 413, "larger than the limit of 64 KiB")

    over_server_limit = b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    refused(send("messages", over_server_limit, token), 413, "larger than the limit")
    assert not Message.objects.exists()


def test_broken_multipart_uploads_are_400s_in_json_with_cors(token):
    no_boundary = send("attachments", b"--x\r\n", token, content_type="multipart/form-data")
    refused(no_boundary, 400, "could not be read")

    fields = "&".join(f"f{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    too_many = send(
        "attachments", fields.encode(), token, content_type="application/x-www-form-urlencoded"
    )
    refused(too_many, 400, "could not be read")

    body = (
        b'--b\r\nContent-Disposition: form-data; name="client_id"\r\n\r\nc-1\r\n'
        b'--b\r\nContent-Disposition: form-data; name="text"\r\n\r\nhi\x00\r\n'
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nhello\r\n--b--\r\n"
    )
    nul = send("attachments", body, token, content_type="multipart/form-data; boundary=b")
    refused(nul, 400, "NUL")
    assert not Message.objects.exists()
