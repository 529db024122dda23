"""Authentication, and one error format for every kind of bad request: never a 500."""

from __future__ import annotations

import base64
import json
import time

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from rapport.accounts import tokens
from rapport.accounts.models import ApiToken
from rapport.accounts.tokens import create_token, revoke_token
from rapport.conversations.models import Message
from rapport.customers.models import Customer
from tests.api.conftest import V1, Api, error_of
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db

# A cursor in the right encoding whose time has no zone: made up, since ours all have one.
NAIVE_CURSOR = base64.urlsafe_b64encode(b'["2020-01-01T00:00:00", 5]').decode().rstrip("=")
UNAUTHENTICATED = {
    "code": "unauthenticated",
    "message": "send an API token as 'Authorization: Bearer rpt_…'",
}


def inbound(inbox_id: int) -> str:
    return f"/inboxes/{inbox_id}/messages"


def test_no_credentials_is_401(agent):
    response = Client().get(f"{V1}/conversations")

    assert response.status_code == 401
    assert error_of(response) == UNAUTHENTICATED


@pytest.mark.parametrize("token", ["rpt_nope_nope", "Bearer", "rpt_", "x" * 500])
def test_a_bad_token_is_401(agent, token):
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(f"{V1}/conversations")

    assert response.status_code == 401
    assert error_of(response) == UNAUTHENTICATED


def test_a_revoked_token_is_401(agent):
    api = Api(agent)
    assert api.get("/agents/me").status_code == 200

    revoke_token(api.token)

    response = api.get("/agents/me")
    assert response.status_code == 401
    assert error_of(response) == UNAUTHENTICATED


def test_the_token_of_a_deactivated_agent_is_401(agent):
    api = Api(agent)
    agent.is_active = False
    agent.save()

    assert api.get("/agents/me").status_code == 401


def test_deactivating_an_agent_stops_a_token_verified_a_moment_ago(agent):
    api = Api(agent)
    assert api.get("/agents/me").status_code == 200  # now remembered for a few seconds

    agent.is_active = False
    agent.save()

    assert api.get("/agents/me").status_code == 401


def test_a_new_role_counts_at_once_for_a_remembered_token(agent, monkeypatch):
    api = Api(agent)
    assert api.get("/agents/me").json()["role"] == "agent"

    agent.role = "light"
    agent.save()

    assert api.get("/agents/me").json()["role"] == "light"


def test_a_remembered_token_is_looked_up_again_after_a_few_seconds(agent, monkeypatch):
    """Another process may have revoked it (this one was not told): it notices soon."""
    api = Api(agent)
    assert api.get("/agents/me").status_code == 200
    ApiToken.objects.filter(pk=api.token.pk).update(revoked_at=timezone.now())  # no signal
    assert api.get("/agents/me").status_code == 200  # still remembered

    later = time.monotonic() + tokens.VERIFIED_FOR + 1
    monkeypatch.setattr(tokens.time, "monotonic", lambda: later)

    assert api.get("/agents/me").status_code == 401


def test_the_secret_must_match_not_just_the_prefix(agent):
    _, raw = create_token(user=agent, name="cli")
    forged = raw[:-4] + "AAAA"

    response = Client(HTTP_AUTHORIZATION=f"Bearer {forged}").get(f"{V1}/agents/me")

    assert response.status_code == 401


def test_the_x_api_key_header_works_too(agent):
    _, raw = create_token(user=agent, name="cli")

    response = Client(HTTP_X_API_KEY=raw).get(f"{V1}/agents/me")

    assert response.status_code == 200
    assert response.json()["id"] == agent.pk


def test_session_auth_reads_and_writes(agent, conversation):
    client = logged_in(agent)

    me = client.get(f"{V1}/agents/me")
    note = client.post(
        f"{V1}/conversations/{conversation.pk}/notes",
        json.dumps({"text": "from the browser"}),
        content_type="application/json",
    )

    assert me.json()["email"] == "maria@shop.example"
    assert note.status_code == 201


def test_session_writes_need_the_csrf_token(agent, conversation):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    path = f"{V1}/conversations/{conversation.pk}/notes"
    body = json.dumps({"text": "from the browser"})

    refused = client.post(path, body, content_type="application/json")
    client.cookies[settings.CSRF_COOKIE_NAME] = "a" * 32
    accepted = client.post(path, body, content_type="application/json", HTTP_X_CSRFTOKEN="a" * 32)

    assert refused.status_code == 403
    assert error_of(refused)["code"] == "forbidden"
    assert accepted.status_code == 201


def test_malformed_json_is_400_with_a_message(agent, api_inbox):
    response = Api(agent).post(inbound(api_inbox.pk), '{"identity": ')

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "invalid",
        "message": "the request body is not JSON: Expecting value: line 1 column 14 (char 13)",
    }


@pytest.mark.parametrize("body", [b"\xff\xfe{}", "text=hello", "[1, 2]", '"just a string"', "null"])
def test_bodies_that_are_not_a_json_object_are_400(agent, api_inbox, body):
    response = Api(agent).post(inbound(api_inbox.pk), body)

    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"
    assert error_of(response)["message"]
    assert Message.objects.count() == 0


def test_an_oversized_body_is_413(agent, api_inbox):
    text = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    body = {"identity": {"kind": "email", "address": "big@mail.example"}, "text": text}

    response = Api(agent).post(inbound(api_inbox.pk), body)

    assert response.status_code == 413
    assert error_of(response) == {
        "code": "too_large",
        "message": "the request body is larger than the limit of 2048 KiB",
    }
    assert Message.objects.count() == 0


def test_a_message_over_the_text_limit_is_400(agent, conversation):
    text = "x" * (settings.RAPPORT_MAX_MESSAGE_CHARS + 1)

    response = Api(agent).post(f"/conversations/{conversation.pk}/notes", {"text": text})

    assert response.status_code == 400
    assert error_of(response)["message"] == (
        f"the message is longer than {settings.RAPPORT_MAX_MESSAGE_CHARS} characters"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"identity": {"kind": "email", "address": 5}, "text": "hi"},
            "identity.address: Input should be a valid string",
        ),
        (
            {"identity": {"kind": "fax", "address": "1"}, "text": "hi"},
            "identity.kind: Input should be 'email', 'phone' or 'api'",
        ),
        (
            {"identity": {"kind": "email", "address": "a@mail.example"}, "text": ["hi"]},
            "text: Input should be a valid string",
        ),
        ({"identity": {"kind": "email", "address": "a@mail.example"}}, "text: Field required"),
        (
            {"identity": {"kind": "email", "address": "a@mail.example"}, "text": "a\x00b"},
            "text: must not contain NUL characters",
        ),
        (
            {"identity": {"kind": "email", "address": "not-an-address"}, "text": "hi"},
            "'not-an-address' is not a valid e-mail address",
        ),
        (
            {"identity": {"kind": "phone", "address": "call me"}, "text": "hi"},
            "'call me' is not a phone number",
        ),
        (
            {"identity": {"kind": "email", "address": "a@mail.example"}, "text": "   "},
            "the message is empty",
        ),
    ],
)
def test_wrong_types_and_values_name_the_field(agent, api_inbox, body, message):
    response = Api(agent).post(inbound(api_inbox.pk), body)

    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"
    assert error_of(response)["message"] == message


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        ("/conversations", {"after": "not-a-cursor"}, "after: the page cursor is not valid"),
        ("/conversations", {"limit": "ten"}, "limit: Input should be a valid integer"),
        ("/conversations", {"limit": "0"}, "limit: Input should be greater than or equal to 1"),
        ("/conversations", {"view": "everything"}, "view: must be mine, unassigned, all or team"),
        ("/conversations", {"view": "team:²"}, "view: must be mine, unassigned, all or team"),
        ("/conversations", {"view": f"team:{2**70}"}, "view: must be mine, unassigned, all or"),
        ("/conversations", {"after": NAIVE_CURSOR}, "after: the page cursor is not valid"),
        ("/conversations", {"status": "closed"}, "status: Input should be 'open', 'pending'"),
        ("/conversations", {"inbox_id": str(2**70)}, "inbox_id: Input should be less than or"),
        ("/customers", {"after": "%%%"}, "after: the page cursor is not valid"),
        ("/conversations/abc", {}, "conversation_id: Input should be a valid integer"),
        ("/conversations/0", {}, "conversation_id: Input should be greater than or equal to 1"),
    ],
)
def test_bad_query_and_path_values_are_400(agent, conversation, path, params, message):
    response = Api(agent).get(path, **params)

    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"
    assert error_of(response)["message"].startswith(message)


@pytest.mark.parametrize("after", ["x1", "²", "-1"])
def test_a_bad_message_cursor_is_400(agent, conversation, after):
    response = Api(agent).get(f"/conversations/{conversation.pk}/messages", after=after)

    assert response.status_code == 400
    assert error_of(response)["message"] == (
        "after: the page cursor is not valid; start from the first page"
    )


@pytest.mark.parametrize(
    "path", ["/conversations/999999", "/customers/999999", "/inboxes/999999", "/teams/999999"]
)
def test_unknown_ids_are_404(agent, path):
    response = Api(agent).get(path)

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_unknown_routes_are_404_json(agent):
    response = Api(agent).get("/no-such-thing")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_html_in_names_and_texts_is_returned_verbatim_as_json(agent, admin, api_inbox):
    posted = Api(agent).post(
        inbound(api_inbox.pk),
        {
            "identity": {"kind": "email", "address": "mallory@mail.example"},
            "name": SCRIPT,
            "subject": SCRIPT,
            "text": SCRIPT,
        },
    )
    conversation_id = posted.json()["conversation_id"]
    api = Api(agent)

    conversation = api.get(f"/conversations/{conversation_id}")
    timeline = api.get(f"/conversations/{conversation_id}/messages")
    customer = Api(admin).get(f"/customers/{posted.json()['customer_id']}")

    assert conversation["Content-Type"] == "application/json; charset=utf-8"
    assert conversation.json()["subject"] == SCRIPT
    assert conversation.json()["customer"]["display_name"] == SCRIPT
    assert timeline.json()["items"][0]["text"] == SCRIPT
    assert timeline.json()["items"][0]["html"] == ""
    assert customer.json()["name"] == SCRIPT
    assert Customer.objects.get().name == SCRIPT  # stored as text, not cleaned or escaped


def test_html_in_notes_is_stored_and_returned_as_text(agent, conversation):
    response = Api(agent).post(f"/conversations/{conversation.pk}/notes", {"text": SCRIPT})

    assert response.json()["text"] == SCRIPT
    assert Message.objects.get().text == SCRIPT


def test_a_post_with_a_wrong_token_and_no_session_is_401_not_a_csrf_error(api_inbox):
    response = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION="Bearer rpt_bad_token").post(
        f"{V1}/inboxes/{api_inbox.pk}/messages", "{", content_type="application/json"
    )

    assert response.status_code == 401
    assert error_of(response) == UNAUTHENTICATED


def test_a_session_post_without_the_csrf_token_is_still_refused(agent, api_inbox):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)

    response = client.post(
        f"{V1}/inboxes/{api_inbox.pk}/messages", {"text": "hi"}, content_type="application/json"
    )

    assert response.status_code == 403
