"""The OpenAPI description: it renders, and every operation is summarised and typed."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import logged_in

pytestmark = pytest.mark.django_db

METHODS = {"get", "post", "put", "patch", "delete"}


def operations(schema: dict) -> list[tuple[str, str, dict]]:
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_the_docs_page_and_schema_render(agent):
    client = logged_in(agent)

    docs = client.get("/api/docs")
    schema = client.get("/api/openapi.json")

    assert docs.status_code == 200
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "Rapport API"


def test_every_operation_has_a_summary_and_a_typed_response():
    schema = Client().get("/api/openapi.json").json()
    found = operations(schema)

    assert len(found) == 31  # 24, and 7 of canned replies
    for path, method, operation in found:
        assert operation.get("summary"), (method, path)
        success = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
        assert success, (method, path)
        for code, response in success.items():
            if code == "204":
                continue
            content = response["content"]["application/json"]["schema"]
            assert content.get("$ref") or content.get("type") == "array", (method, path, content)


def test_every_endpoint_is_under_v1():
    paths = Client().get("/api/openapi.json").json()["paths"]

    assert all(path.startswith("/api/v1/") for path in paths)
    assert {
        "/api/v1/conversations",
        "/api/v1/conversations/{conversation_id}/messages",
        "/api/v1/conversations/{conversation_id}/notes",
        "/api/v1/conversations/{conversation_id}/assignment",
        "/api/v1/conversations/{conversation_id}/status",
        "/api/v1/conversations/{conversation_id}/tags",
        "/api/v1/conversations/{conversation_id}/priority",
        "/api/v1/customers",
        "/api/v1/customers/{customer_id}/identities",
        "/api/v1/inboxes/{inbox_id}/messages",
        "/api/v1/agents/me",
        "/api/v1/teams",
    } <= set(paths)
