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

    # 24, 7 of canned replies, 4 of API tokens, 4 of invitations, search, 2 of merges,
    # delete a conversation, not the same person
    assert len(found) == 44
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


def test_every_operation_documents_its_error_answers():
    """Issue 21, hole 8: a generated client sees what the server answers when refusing."""
    schema = Client().get("/api/openapi.json").json()
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    for path, method, operation in operations(schema):
        documented = set(operation["responses"])
        assert "401" in documented, (method, path)
        assert "Retry-After" in operation["responses"]["503"]["headers"], (method, path)
        if "requestBody" in operation:
            assert {"400", "413"} <= documented, (method, path)
            assert "403" in documented, (method, path)
        if "{" in path:
            assert "404" in documented, (method, path)
        for status in documented - {"200", "201", "204"}:
            content = operation["responses"][status]["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/Error"}


def test_the_rules_the_server_enforces_are_in_the_document():
    schemas = Client().get("/api/openapi.json").json()["components"]["schemas"]
    assert schemas["NoteIn"]["properties"]["text"]["pattern"] == r"^[^\x00]*$"
    assert schemas["NoteIn"]["additionalProperties"] is False
    assert schemas["StatusIn"]["then"]["required"] == ["snoozed_until"]
    assert schemas["IdentityIn"]["then"]["required"] == ["inbox_id"]


def test_no_two_body_schemas_share_a_name():
    """Two models called IdentityIn made one operation's document describe the other's body."""
    schema = Client().get("/api/openapi.json").json()
    inbound = schema["paths"]["/api/v1/inboxes/{inbox_id}/messages"]["post"]
    ref = inbound["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    identity = schema["components"]["schemas"][
        body["properties"]["identity"]["$ref"].rsplit("/", 1)[-1]
    ]
    assert "inbox_id" not in identity["properties"]
    customers = schema["components"]["schemas"]["IdentityIn"]
    assert "inbox_id" in customers["properties"]
