"""The error answers of every API operation, written into the OpenAPI document.

Ninja documents only the success answers it is given. A generated client (and the
schemathesis run in CI) must also see what the server answers when something is wrong,
so each operation gets the error statuses it can give, derived from what it takes,
with one ``Error`` schema (``{"error": {"code", "message"}}``, the API's one format):

- 400 when it takes parameters or a body (a value it refuses, an unknown parameter, a
  body that is not a JSON object);
- 401 always (no token and no session);
- 403 for writes (the role may not; a browser session without the CSRF token);
- 404 when its path, a parameter or a body field names objects (``…_id``, ``…_ids``:
  missing, or not visible to the caller — the API never tells those apart);
- 409 where an address, a shortcut or a name must be unique, or an object's state must
  allow the change (``CONFLICTS``);
- 413 when it takes a body (larger than ``MAX_REQUEST_BYTES``);
- 503 always, with ``Retry-After``: the database is briefly away (``core/unavailable.py``).

``tests/api/test_openapi.py`` holds this to what the server does.
"""

from __future__ import annotations

from typing import Any

PREFIX = "/api/v1"
# Operations that refuse a value already taken by another object.
CONFLICTS = {
    ("post", f"{PREFIX}/customers"),
    ("patch", f"{PREFIX}/customers/{{customer_id}}"),
    ("post", f"{PREFIX}/customers/{{customer_id}}/identities"),
    # A merge that would leave rows no app moves along is refused rather than half-done.
    ("post", f"{PREFIX}/customers/{{customer_id}}/merge"),
    ("post", f"{PREFIX}/inboxes/{{inbox_id}}/messages"),
    ("post", f"{PREFIX}/canned-replies"),
    ("patch", f"{PREFIX}/canned-replies/{{reply_id}}"),
    # An address with a seat or a pending invitation; a used or withdrawn invitation.
    ("post", f"{PREFIX}/invitations"),
    ("post", f"{PREFIX}/invitations/{{invitation_id}}/resend"),
}
DESCRIPTIONS = {
    400: "The request is not valid; the message names the field or parameter and why.",
    401: "Not authenticated: send 'Authorization: Bearer rpt_…' (or 'X-Api-Key').",
    403: "Authenticated, but not allowed: the role may not do this, or a browser session"
    " sent no CSRF token.",
    404: "Not found, or not visible to you (the two are never told apart).",
    409: "Conflicts with another object (the address, shortcut or name is in use) or with"
    " the object's state (an invitation already used or withdrawn).",
    413: "The request body is larger than the server's limit.",
    503: "The database is briefly unavailable; retry after the Retry-After header's seconds.",
}
ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "invalid, not_found, conflict, …"},
                "message": {"type": "string", "description": "What is wrong, for a person."},
                "fields": {"type": "array", "description": "Per-field details of a 400."},
            },
        }
    },
}
METHODS = {"get", "post", "put", "patch", "delete"}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "integer"},
    }
}


def _body_fields(operation: dict[str, Any], schemas: dict[str, Any]) -> set[str]:
    content = operation.get("requestBody", {}).get("content", {})
    body = content.get("application/json", {}).get("schema", {})
    if "$ref" in body:
        body = schemas.get(body["$ref"].rsplit("/", 1)[-1], {})
    return set(body.get("properties", {}))


def names_an_object(path: str, operation: dict[str, Any], schemas: dict[str, Any]) -> bool:
    parameters = {parameter.get("name", "") for parameter in operation.get("parameters", [])}
    names = parameters | _body_fields(operation, schemas)
    return "{" in path or any(name.endswith(("_id", "_ids")) for name in names)


def statuses_for(
    method: str, path: str, operation: dict[str, Any], schemas: dict[str, Any] | None = None
) -> set[int]:
    statuses = {401, 503}
    takes_body = "requestBody" in operation
    if operation.get("parameters") or takes_body:
        statuses.add(400)
    if method != "get":
        statuses.add(403)
    if names_an_object(path, operation, schemas or {}):
        statuses.add(404)
    if (method, path) in CONFLICTS:
        statuses.add(409)
    if takes_body:
        statuses.add(413)
    return statuses


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the ``Error`` schema and each operation's error answers to ``schema``."""
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    error_body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status in sorted(statuses_for(method, path, operation, schemas)):
                answer: dict[str, Any] = {
                    "description": DESCRIPTIONS[status],
                    "content": error_body,
                }
                if status == 503:
                    answer["headers"] = RETRY_AFTER
                responses.setdefault(str(status), answer)
    return schema
