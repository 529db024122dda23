"""Happy paths of the conversation endpoints: list, read, timeline, and every agent move."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rapport.conversations.models import Conversation, Direction, Mention, Status
from rapport.core.models import AuditEntry
from rapport.outbox.models import Delivery, DeliveryKind
from tests.api.conftest import Api, error_of, iso
from tests.factories import ConversationFactory, MessageFactory, TeamFactory

pytestmark = pytest.mark.django_db


def expected_row(conversation: Conversation) -> dict[str, object]:
    conversation.refresh_from_db()
    customer = conversation.customer
    return {
        "id": conversation.pk,
        "subject": conversation.subject,
        "status": conversation.status,
        "priority": conversation.priority,
        "inbox": {
            "id": conversation.inbox_id,
            "name": conversation.inbox.name,
            "kind": conversation.inbox.kind,
        },
        "customer": {
            "id": customer.pk,
            "display_name": customer.display_name,
            "email": customer.email,
        },
        "assignee": (
            {"id": conversation.assignee.pk, "name": conversation.assignee.name}
            if conversation.assignee
            else None
        ),
        "team": (
            {"id": conversation.team.pk, "name": conversation.team.name}
            if conversation.team
            else None
        ),
        "tags": sorted(tag.name for tag in conversation.tags.all()),
        "preview": conversation.preview,
        "created_at": iso(conversation.created_at),
        "last_activity_at": iso(conversation.last_activity_at),
        "last_customer_message_at": iso(conversation.last_customer_message_at),
        "first_response_at": iso(conversation.first_response_at),
        "waiting_since": iso(conversation.waiting_since),
        "snoozed_until": iso(conversation.snoozed_until),
        "resolved_at": iso(conversation.resolved_at),
    }


def test_list_shows_the_open_conversations_of_my_inboxes(agent, conversation, api_inbox):
    ConversationFactory(status=Status.OPEN)  # an inbox the agent is not in
    ConversationFactory(inbox=api_inbox, status=Status.RESOLVED)

    response = Api(agent).get("/conversations")

    assert response.status_code == 200
    assert response.json() == {"items": [expected_row(conversation)], "next_cursor": None}


def test_list_filters_like_the_inbox(agent, webform_inbox, api_inbox):
    team = TeamFactory(name="Billing")
    now = timezone.now()
    mine = ConversationFactory(inbox=webform_inbox, assignee=agent, last_activity_at=now)
    teamed = ConversationFactory(
        inbox=api_inbox, team=team, priority=3, last_activity_at=now - timedelta(minutes=1)
    )
    pending = ConversationFactory(
        inbox=webform_inbox, status=Status.PENDING, last_activity_at=now - timedelta(minutes=2)
    )
    tagged = ConversationFactory(inbox=api_inbox, last_activity_at=now - timedelta(minutes=3))
    tagged.tags.create(name="refund")
    api = Api(agent)

    def ids(**params: object) -> list[int]:
        response = api.get("/conversations", **params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["items"]]

    assert ids() == [mine.pk, teamed.pk, tagged.pk]
    assert ids(view="mine") == [mine.pk]
    assert ids(view="unassigned") == [teamed.pk, tagged.pk]
    assert ids(view=f"team:{team.pk}") == [teamed.pk]
    assert ids(status="pending") == [pending.pk]
    assert ids(status="any") == [mine.pk, teamed.pk, pending.pk, tagged.pk]
    assert ids(inbox_id=api_inbox.pk) == [teamed.pk, tagged.pk]
    assert ids(tag="Refund") == [tagged.pk]
    assert ids(priority=3) == [teamed.pk]
    assert ids(assignee_id=agent.pk) == [mine.pk]
    assert ids(customer_id=tagged.customer_id) == [tagged.pk]


def test_list_sorts_by_longest_waiting(agent, webform_inbox):
    now = timezone.now()
    recent = ConversationFactory(inbox=webform_inbox, waiting_since=now - timedelta(minutes=5))
    oldest = ConversationFactory(inbox=webform_inbox, waiting_since=now - timedelta(hours=2))
    ConversationFactory(inbox=webform_inbox, waiting_since=None)  # answered: not waiting

    response = Api(agent).get("/conversations", sort="waiting")

    assert [row["id"] for row in response.json()["items"]] == [oldest.pk, recent.pk]


def test_list_pages_with_a_cursor(agent, webform_inbox):
    now = timezone.now()
    rows = [
        ConversationFactory(inbox=webform_inbox, last_activity_at=now - timedelta(minutes=n))
        for n in range(5)
    ]
    api = Api(agent)

    first = api.get("/conversations", limit=2).json()
    second = api.get("/conversations", limit=2, after=first["next_cursor"]).json()
    third = api.get("/conversations", limit=2, after=second["next_cursor"]).json()

    assert [row["id"] for row in first["items"]] == [rows[0].pk, rows[1].pk]
    assert [row["id"] for row in second["items"]] == [rows[2].pk, rows[3].pk]
    assert [row["id"] for row in third["items"]] == [rows[4].pk]
    assert third["next_cursor"] is None


def test_list_caps_the_page_size_at_100(agent, webform_inbox):
    now = timezone.now()
    Conversation.objects.bulk_create(
        Conversation(
            inbox=webform_inbox,
            customer=ConversationFactory(inbox=webform_inbox).customer,
            created_at=now,
            last_activity_at=now - timedelta(seconds=n),
        )
        for n in range(101)
    )

    body = Api(agent).get("/conversations", limit=500).json()

    assert len(body["items"]) == 100
    assert body["next_cursor"] is not None


def test_get_one_conversation(agent, conversation):
    response = Api(agent).get(f"/conversations/{conversation.pk}")

    assert response.status_code == 200
    assert response.json() == expected_row(conversation)


def test_timeline_lists_messages_and_notes_oldest_first(agent, conversation):
    first = MessageFactory(conversation=conversation, text="Hello?")
    note = MessageFactory(
        conversation=conversation, direction=Direction.NOTE, author=agent, text="VIP"
    )

    response = Api(agent).get(f"/conversations/{conversation.pk}/messages")

    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "id": first.pk,
                "conversation_id": conversation.pk,
                "direction": "in",
                "author": None,
                "text": "Hello?",
                "html": "",
                "delivery_status": "",
                "delivery_error": "",
                "reaction": "",
                "created_at": iso(first.created_at),
                "attachments": [],
            },
            {
                "id": note.pk,
                "conversation_id": conversation.pk,
                "direction": "note",
                "author": {"id": agent.pk, "name": "Maria Agent"},
                "text": "VIP",
                "html": "",
                "delivery_status": "",
                "delivery_error": "",
                "reaction": "",
                "created_at": iso(note.created_at),
                "attachments": [],
            },
        ],
        "next_cursor": None,
    }


def test_timeline_pages_with_a_cursor(agent, conversation):
    messages = [MessageFactory(conversation=conversation, text=f"m{n}") for n in range(3)]
    api = Api(agent)
    path = f"/conversations/{conversation.pk}/messages"

    first = api.get(path, limit=2).json()
    rest = api.get(path, limit=2, after=first["next_cursor"]).json()

    assert [m["id"] for m in first["items"]] == [messages[0].pk, messages[1].pk]
    assert first["next_cursor"] == str(messages[1].pk)
    assert [m["id"] for m in rest["items"]] == [messages[2].pk]
    assert rest["next_cursor"] is None


def test_reply_queues_a_delivery_and_can_resolve(agent, conversation):
    response = Api(agent).post(
        f"/conversations/{conversation.pk}/messages",
        {"text": "It ships today.", "status_after": "resolved"},
    )

    assert response.status_code == 201
    body = response.json()
    reply = conversation.messages.get()
    assert body == {
        "id": reply.pk,
        "conversation_id": conversation.pk,
        "direction": "out",
        "author": {"id": agent.pk, "name": "Maria Agent"},
        "text": "It ships today.",
        "html": "",
        "delivery_status": "queued",
        "delivery_error": "",
        "reaction": "",
        "created_at": iso(reply.created_at),
        "attachments": [],
    }
    assert list(Delivery.objects.values_list("kind", "message_id")) == [
        (DeliveryKind.REPLY, reply.pk)
    ]
    conversation.refresh_from_db()
    assert conversation.status == Status.RESOLVED
    assert conversation.first_response_at == reply.created_at


def test_note_mentions_a_colleague(agent, light_seat, conversation):
    response = Api(agent).post(
        f"/conversations/{conversation.pk}/notes", {"text": "@lee can you check the stock?"}
    )

    assert response.status_code == 201
    note = conversation.messages.get()
    assert response.json()["id"] == note.pk
    assert response.json()["direction"] == "note"
    assert response.json()["delivery_status"] == ""
    assert list(Mention.objects.values_list("message_id", "user_id")) == [(note.pk, light_seat.pk)]
    assert not Delivery.objects.filter(kind=DeliveryKind.REPLY).exists()


def test_assign_to_an_agent_and_a_team(agent, conversation):
    team = TeamFactory(name="Tier 2")
    api = Api(agent)
    path = f"/conversations/{conversation.pk}/assignment"

    both = api.post(path, {"assignee_id": agent.pk, "team_id": team.pk})
    team_kept = api.post(path, {"assignee_id": None})
    cleared = api.post(path, {"team_id": None})

    assert both.status_code == 200
    assert both.json()["assignee"] == {"id": agent.pk, "name": "Maria Agent"}
    assert both.json()["team"] == {"id": team.pk, "name": "Tier 2"}
    assert team_kept.json()["assignee"] is None
    assert team_kept.json()["team"] == {"id": team.pk, "name": "Tier 2"}
    assert cleared.json()["team"] is None
    assert AuditEntry.objects.filter(verb="conversation.assigned").count() == 3


def test_assign_to_someone_outside_the_inbox_is_refused(agent, outsider, conversation):
    response = Api(agent).post(
        f"/conversations/{conversation.pk}/assignment", {"assignee_id": outsider.pk}
    )

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "invalid",
        "message": "Olga Outsider is not a member of this conversation's inbox",
    }
    conversation.refresh_from_db()
    assert conversation.assignee_id is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"assignee_id": 999999}, "assignee_id: there is no active staff member 999999"),
        ({"team_id": 999999}, "team_id: there is no team 999999"),
    ],
)
def test_assign_to_unknown_ids_names_the_field(agent, conversation, body, message):
    response = Api(agent).post(f"/conversations/{conversation.pk}/assignment", body)

    assert response.status_code == 400
    assert error_of(response) == {"code": "invalid", "message": message}


def test_status_changes_and_snooze(agent, conversation):
    api = Api(agent)
    path = f"/conversations/{conversation.pk}/status"
    wake = timezone.now() + timedelta(days=1)

    pending = api.post(path, {"status": "pending"})
    snoozed = api.post(path, {"status": "snoozed", "snoozed_until": wake.isoformat()})
    resolved = api.post(path, {"status": "resolved"})

    assert pending.status_code == 200
    assert pending.json()["status"] == "pending"
    assert snoozed.json()["status"] == "snoozed"
    assert snoozed.json()["snoozed_until"] == iso(wake)
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["snoozed_until"] is None
    conversation.refresh_from_db()
    assert resolved.json()["resolved_at"] == iso(conversation.resolved_at)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"status": "snoozed"}, "snoozing needs a time in the future to wake the conversation"),
        (
            {"status": "snoozed", "snoozed_until": "2030-01-01T09:00:00"},
            "snoozed_until: Input should have timezone info",
        ),
        (
            {"status": "closed"},
            "status: Input should be 'open', 'pending', 'snoozed' or 'resolved'",
        ),
    ],
)
def test_bad_status_changes_are_400_with_a_message(agent, conversation, body, message):
    response = Api(agent).post(f"/conversations/{conversation.pk}/status", body)

    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"
    assert error_of(response)["message"] == message


def test_put_tags_replaces_them(agent, conversation):
    api = Api(agent)
    path = f"/conversations/{conversation.pk}/tags"

    tagged = api.put(path, {"tags": ["Billing", "vip", " billing "]})
    cleared = api.put(path, {"tags": []})

    assert tagged.status_code == 200
    assert tagged.json()["tags"] == ["billing", "vip"]
    assert cleared.json()["tags"] == []
    assert list(conversation.tags.all()) == []


def test_set_priority(agent, conversation):
    response = Api(agent).post(f"/conversations/{conversation.pk}/priority", {"priority": 3})

    assert response.status_code == 200
    assert response.json()["priority"] == 3
    conversation.refresh_from_db()
    assert conversation.priority == 3


def test_priority_out_of_range_names_the_field(agent, conversation):
    response = Api(agent).post(f"/conversations/{conversation.pk}/priority", {"priority": 9})

    assert response.status_code == 400
    assert error_of(response)["message"] == "priority: Input should be less than or equal to 4"
