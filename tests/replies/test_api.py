"""The REST API of canned replies: everyone reads, admins and supervisors write, and a
canned reply is filled in for a conversation the caller may see."""

from __future__ import annotations

import pytest

from rapport.core.models import AuditEntry
from rapport.replies.models import CannedReply
from tests.api.conftest import Api, error_of

pytestmark = pytest.mark.django_db

NEW = {"shortcut": "refund", "title": "Refund", "text": "Hi {{ customer.first_name }}, refunded."}


def shortcuts(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["shortcut"] for item in response.json()]


def test_list_shows_what_the_caller_may_see(admin, agent, everywhere, for_support, for_wholesale):
    assert shortcuts(Api(admin).get("/canned-replies")) == ["bulk", "shipping", "thanks"]
    assert shortcuts(Api(agent).get("/canned-replies")) == ["shipping", "thanks"]


def test_list_by_inbox_and_search(
    admin, agent, webform_inbox, other_inbox, everywhere, for_support, for_wholesale
):
    assert shortcuts(Api(admin).get("/canned-replies", inbox_id=other_inbox.pk)) == [
        "bulk",
        "thanks",
    ]
    assert shortcuts(Api(agent).get("/canned-replies", q="ship")) == ["shipping"]
    hidden = Api(agent).get("/canned-replies", inbox_id=other_inbox.pk)
    assert hidden.status_code == 404


def test_one_canned_reply_as_written(agent, admin, for_support, webform_inbox):
    body = Api(agent).get(f"/canned-replies/{for_support.pk}").json()

    assert body == {
        "id": for_support.pk,
        "shortcut": "shipping",
        "title": "Shipping times",
        "text": for_support.text,
        "inbox": {"id": webform_inbox.pk, "name": "Support", "kind": "webform"},
        "created_by": {"id": admin.pk, "name": "Ada Admin"},
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }


def test_another_inbox_reply_is_404_for_an_agent(agent, for_wholesale):
    response = Api(agent).get(f"/canned-replies/{for_wholesale.pk}")

    assert response.status_code == 404
    assert error_of(response) == {
        "code": "not_found",
        "message": f"canned reply {for_wholesale.pk} not found",
    }


@pytest.mark.parametrize("who", ["admin", "supervisor"])
def test_admins_and_supervisors_create(request, who, webform_inbox):
    actor = request.getfixturevalue(who)

    response = Api(actor).post("/canned-replies", NEW | {"inbox_id": webform_inbox.pk})

    assert response.status_code == 201
    body = response.json()
    assert (body["shortcut"], body["inbox"]["id"], body["created_by"]["id"]) == (
        "refund",
        webform_inbox.pk,
        actor.pk,
    )
    assert AuditEntry.objects.filter(verb="canned_reply.created", actor=actor).exists()


@pytest.mark.parametrize("who", ["agent", "light_seat", "outsider"])
def test_agents_cannot_create_change_or_delete(request, who, everywhere, other_inbox):
    api = Api(request.getfixturevalue(who))
    path = f"/canned-replies/{everywhere.pk}"

    created = api.post("/canned-replies", NEW | {"inbox_id": other_inbox.pk})
    changed = api.patch(path, {"title": "Sneaky"})
    deleted = api.delete(path)

    for response in (created, changed, deleted):
        assert response.status_code == 403
        assert error_of(response) == {
            "code": "forbidden",
            "message": "only admins and supervisors can manage canned replies",
        }
    assert list(CannedReply.objects.values_list("title", flat=True)) == ["Thanks for waiting"]


def test_patch_changes_only_the_fields_given(admin, everywhere, webform_inbox):
    api = Api(admin)
    path = f"/canned-replies/{everywhere.pk}"

    titled = api.patch(path, {"title": "Thank you"}).json()
    scoped = api.patch(path, {"inbox_id": webform_inbox.pk}).json()
    everywhere_again = api.patch(path, {"inbox_id": None}).json()

    assert (titled["title"], titled["shortcut"], titled["inbox"]) == ("Thank you", "thanks", None)
    assert scoped["inbox"]["id"] == webform_inbox.pk
    assert scoped["text"] == everywhere.text
    assert everywhere_again["inbox"] is None


def test_delete(admin, everywhere):
    response = Api(admin).delete(f"/canned-replies/{everywhere.pk}")

    assert response.status_code == 204
    assert not CannedReply.objects.exists()
    assert Api(admin).delete(f"/canned-replies/{everywhere.pk}").status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (NEW | {"shortcut": "two words"}, 400, "shortcut: use up to 40 lower-case letters"),
        (NEW | {"text": "Hi {{ settings.SECRET_KEY }}"}, 400, "text: unknown placeholder"),
        (NEW | {"text": ""}, 400, "text: String should have at least 1 character"),
        (NEW | {"title": "t" * 101}, 400, "title: String should have at most 100 characters"),
        (NEW | {"text": "a\x00b"}, 400, "text: must not contain NUL characters"),
        (NEW | {"inbox_id": 0}, 400, "inbox_id: Input should be greater than or equal to 1"),
        (NEW | {"inbox_id": 99999}, 404, "inbox 99999 not found"),
        ({"title": "No shortcut", "text": "x"}, 400, "shortcut: Field required"),
        ("{not json", 400, "the request body is not JSON"),
    ],
)
def test_bad_input_is_a_4xx_with_a_message(admin, body, status, message):
    response = Api(admin).post("/canned-replies", body)

    assert response.status_code == status
    assert message in error_of(response)["message"]
    assert not CannedReply.objects.exists()


def test_a_taken_shortcut_is_409(admin, everywhere):
    response = Api(admin).post("/canned-replies", NEW | {"shortcut": "thanks"})

    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"
    assert "/thanks is already the canned reply" in error_of(response)["message"]


def test_a_conversation_lists_what_it_is_offered(
    agent, conversation, everywhere, for_support, for_wholesale
):
    response = Api(agent).get(f"/conversations/{conversation.pk}/canned-replies")

    assert shortcuts(response) == ["shipping", "thanks"]


def test_a_canned_reply_filled_in_for_a_conversation(agent, conversation, everywhere):
    response = Api(agent).get(f"/conversations/{conversation.pk}/canned-replies/{everywhere.pk}")

    assert response.status_code == 200
    assert response.json() == {
        "id": everywhere.pk,
        "shortcut": "thanks",
        "title": "Thanks for waiting",
        "text": "Hi Carol, thanks for waiting. — Maria",
        "unknown_placeholders": [],
    }


def test_filling_in_is_404_for_a_hidden_conversation_or_another_inbox_reply(
    agent, conversation, hidden_conversation, everywhere, for_wholesale
):
    api = Api(agent)

    hidden = api.get(f"/conversations/{hidden_conversation.pk}/canned-replies/{everywhere.pk}")
    other = api.get(f"/conversations/{conversation.pk}/canned-replies/{for_wholesale.pk}")
    listed = api.get(f"/conversations/{hidden_conversation.pk}/canned-replies")

    assert hidden.status_code == other.status_code == listed.status_code == 404
    assert error_of(hidden)["message"] == f"conversation {hidden_conversation.pk} not found"


def test_the_openapi_description_lists_the_endpoints(admin):
    paths = Api(admin).client.get("/api/openapi.json").json()["paths"]

    assert "/api/v1/canned-replies" in paths
    assert "/api/v1/canned-replies/{reply_id}" in paths
    assert "/api/v1/conversations/{conversation_id}/canned-replies/{reply_id}" in paths
