"""Helpers for the REST API tests: token-authenticated clients and a few more staff."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client

from rapport.accounts.models import User
from rapport.accounts.tokens import create_token
from rapport.conversations.models import Conversation
from rapport.inboxes.models import Inbox
from tests.factories import ConversationFactory, CustomerFactory

V1 = "/api/v1"


class Api:
    """A Django test client that sends ``Authorization: Bearer <token>`` for one user."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.token, raw = create_token(user=user, name="tests")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def get(self, path: str, **params: Any) -> HttpResponse:
        return self.client.get(V1 + path, params)

    def send(self, method: str, path: str, body: Any = None, **headers: Any) -> HttpResponse:
        call = getattr(self.client, method)
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return call(V1 + path, data, content_type="application/json", **headers)

    def post(self, path: str, body: Any = None, **headers: Any) -> HttpResponse:
        return self.send("post", path, body, **headers)

    def put(self, path: str, body: Any = None) -> HttpResponse:
        return self.send("put", path, body)

    def patch(self, path: str, body: Any = None) -> HttpResponse:
        return self.send("patch", path, body)

    def delete(self, path: str) -> HttpResponse:
        return self.client.delete(V1 + path)


def error_of(response: HttpResponse) -> dict[str, Any]:
    """The ``error`` object every API failure carries."""
    body = response.json()
    assert set(body) == {"error"}, body
    return dict(body["error"])


@pytest.fixture
def conversation(webform_inbox: Inbox) -> Conversation:
    """An open conversation in the web-form inbox (the agent and the light seat are members)."""
    customer = CustomerFactory(name="Carol Customer", email="carol@mail.example")
    return ConversationFactory(inbox=webform_inbox, customer=customer, subject="Where is my order?")


@pytest.fixture
def api_as() -> Any:
    """``api_as(user)``: an ``Api`` client for that user."""
    return Api


def iso(value: Any) -> Any:
    """A datetime as the API writes it (Django's JSON encoder), None as None."""
    from django.core.serializers.json import DjangoJSONEncoder

    return None if value is None else DjangoJSONEncoder().default(value)
