"""Hostile input to the API channel's inbound endpoint: a 400/413 with a reason, nothing stored.

The integration reads the API's JSON errors (``{"error": {"code", "message"}}``); every
refusal here is one of them, names what is wrong, stores nothing and is answered at once.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.conf import settings

from rapport.conversations.models import Message
from rapport.customers.models import Customer
from tests.api.conftest import Api, error_of

FAST = 1.0
GOOD = {"identity": {"kind": "email", "address": "kim@mail.example"}, "text": "Order 1001?"}


def post(api: Api, inbox_id: int, body: Any) -> Any:
    started = time.perf_counter()
    response = api.post(f"/inboxes/{inbox_id}/messages", body)
    response.seconds = time.perf_counter() - started
    return response


def refused(response: Any, status: int, code: str, says: str) -> None:
    assert response.status_code == status, response.content
    error = error_of(response)
    assert error["code"] == code
    assert says in error["message"], error
    assert response.seconds < FAST


def nothing_stored() -> None:
    assert not Message.objects.exists()
    assert not Customer.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [b"[" * 5000 + b"]" * 5000, b'{"identity": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5001],
    ids=["array", "object"],
)
def test_json_nested_5000_levels_is_a_400(agent, api_inbox, body):
    refused(post(Api(agent), api_inbox.pk, body), 400, "invalid", "Cannot parse request body")
    nothing_stored()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"text": "hi \ud800"}, "text"),
        ({"name": "Kim \udfff"}, "name"),
        ({"subject": "\ud800"}, "subject"),
        ({"external_id": "id-\ud800"}, "external_id"),
        ({"identity": {"kind": "api", "address": "u\ud800"}}, "identity.address"),
    ],
)
def test_a_lone_surrogate_is_a_400_naming_the_field(agent, api_inbox, change, field):
    body = json.dumps(GOOD | change)  # ensure_ascii: the surrogate travels as \ud800
    response = post(Api(agent), api_inbox.pk, body)
    # pydantic refuses it before Rapport's own check (core/inbound.py) would see it.
    refused(response, 400, "invalid", f"{field}: Input should be a valid string")
    assert "unicode" in error_of(response)["message"]
    nothing_stored()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"text": "a\x00b"}, "text"),
        ({"name": "\x00"}, "name"),
        ({"external_id": "\x00"}, "external_id"),
        ({"identity": {"kind": "api", "address": "u\x00"}}, "identity.address"),
    ],
)
def test_nul_characters_are_a_400_naming_the_field(agent, api_inbox, change, field):
    response = post(Api(agent), api_inbox.pk, json.dumps(GOOD | change))
    refused(response, 400, "invalid", f"{field}: must not contain NUL characters")
    nothing_stored()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"", "request"),
        (b"{not json", "JSON"),
        (b'{"text": "\xff\xfe"}', "JSON"),
        (b"[]", "request"),
        (json.dumps(GOOD | {"text": ["a"]}), "text"),
        (json.dumps(GOOD | {"identity": "kim"}), "identity"),
        (json.dumps(GOOD | {"text": ""}), "text"),
        (json.dumps(GOOD | {"text": "x" * (settings.RAPPORT_MAX_MESSAGE_CHARS + 1)}), "longer"),
    ],
    ids=[
        "empty",
        "not-json",
        "not-utf8",
        "array",
        "text-list",
        "identity-str",
        "empty-text",
        "long",
    ],
)
def test_malformed_bodies_are_400s_with_a_reason(agent, api_inbox, body, says):
    refused(post(Api(agent), api_inbox.pk, body), 400, "invalid", says)
    nothing_stored()


@pytest.mark.django_db
def test_a_body_over_the_server_limit_is_a_413(agent, api_inbox):
    body = json.dumps(GOOD | {"text": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    refused(post(Api(agent), api_inbox.pk, body), 413, "too_large", "larger than the limit")
    nothing_stored()


@pytest.mark.django_db
def test_after_the_refusals_a_good_message_is_stored_once(agent, api_inbox):
    api = Api(agent)
    post(api, api_inbox.pk, json.dumps(GOOD | {"text": "a\x00b", "external_id": "e-1"}))
    first = post(api, api_inbox.pk, json.dumps(GOOD | {"external_id": "e-1"}))
    again = post(api, api_inbox.pk, json.dumps(GOOD | {"external_id": "e-1"}))

    assert (first.status_code, again.status_code) == (201, 200)
    assert list(Message.objects.values_list("text", flat=True)) == ["Order 1001?"]
