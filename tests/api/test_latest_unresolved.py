"""The hand-written look-up of the conversation a message continues gives the ORM's answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rapport.conversations.actions import unresolved_conversations
from rapport.conversations.lookups import latest_unresolved
from rapport.conversations.models import Status
from rapport.customers.actions import find_or_create_customer
from rapport.inboxes.selectors import visible_inboxes
from tests.factories import ConversationFactory, InboxFactory

pytestmark = pytest.mark.django_db

ADDRESS = "kim@mail.example"


def orm_answer(inbox_id, user=None):
    found = unresolved_conversations(identity_kind="email", address=ADDRESS).filter(
        inbox_id=inbox_id
    )
    if user is not None:
        found = found.filter(inbox__in=visible_inboxes(user))
    return found.first()


@pytest.fixture
def history(api_inbox):
    customer = find_or_create_customer(kind="email", address=ADDRESS, name="Kim <b>")
    now = timezone.now()
    made = {}
    for name, status, minutes_ago in [
        ("older", Status.OPEN, 30),
        ("latest", Status.PENDING, 10),
        ("resolved", Status.RESOLVED, 1),
    ]:
        made[name] = ConversationFactory(
            inbox=api_inbox,
            customer=customer,
            status=status,
            last_activity_at=now - timedelta(minutes=minutes_ago),
        )
    return made


def test_the_latest_unresolved_conversation_with_inbox_and_customer_loaded(history, api_inbox):
    found = latest_unresolved(api_inbox.pk, "email", ADDRESS)

    assert found == orm_answer(api_inbox.pk) == history["latest"]
    assert found.status == Status.PENDING
    assert found.last_activity_at == history["latest"].last_activity_at  # a datetime, aware
    assert found.inbox.config == api_inbox.config  # JSON decoded as the ORM would
    assert found.customer.name == "Kim <b>"


def test_only_for_staff_who_may_see_the_inbox(history, api_inbox, agent, outsider, admin):
    assert latest_unresolved(api_inbox.pk, "email", ADDRESS, visible_to=agent) == history["latest"]
    assert latest_unresolved(api_inbox.pk, "email", ADDRESS, visible_to=admin) == history["latest"]
    assert latest_unresolved(api_inbox.pk, "email", ADDRESS, visible_to=outsider) is None
    assert orm_answer(api_inbox.pk, outsider) is None


def test_none_for_another_inbox_or_identity(history, api_inbox):
    other = InboxFactory(name="Other")

    assert latest_unresolved(other.pk, "email", ADDRESS) is None
    assert latest_unresolved(api_inbox.pk, "email", "someone@else.example") is None
    assert latest_unresolved(api_inbox.pk, "phone", ADDRESS) is None
