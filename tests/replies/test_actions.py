"""Writing canned replies: who may, what is valid, and one shortcut per conversation."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from rapport.core.errors import Conflict, PermissionDenied, ValidationFailed
from rapport.core.models import AuditEntry
from rapport.replies import actions
from rapport.replies.models import CannedReply

pytestmark = pytest.mark.django_db


def create(actor, **fields):
    fields = {
        "shortcut": "refund",
        "title": "Refund",
        "text": "Your refund is on its way.",
    } | fields
    return actions.create_canned_reply(actor=actor, **fields)


def test_an_admin_creates_a_canned_reply_for_all_inboxes(admin):
    reply = create(admin, shortcut=" /Refund-Policy ", text="  Hi {{ customer.name }}\r\nBye  ")

    assert reply.shortcut == "refund-policy"
    assert reply.text == "Hi {{ customer.name }}\nBye"
    assert reply.inbox is None
    assert reply.is_for_all_inboxes
    assert reply.created_by == admin
    entry = AuditEntry.objects.get(verb="canned_reply.created")
    assert (entry.actor, entry.object_id) == (admin, reply.pk)
    assert entry.changes == {"shortcut": "refund-policy", "inbox": None}


def test_a_supervisor_creates_one_for_an_inbox(supervisor, webform_inbox):
    reply = create(supervisor, inbox=webform_inbox)

    assert reply.inbox == webform_inbox


@pytest.mark.parametrize("who", ["agent", "light_seat", "outsider"])
def test_agents_and_light_seats_cannot_manage_canned_replies(request, who, everywhere):
    actor = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied, match="only admins and supervisors"):
        create(actor)
    with pytest.raises(PermissionDenied):
        actions.update_canned_reply(
            actor=actor, reply=everywhere, shortcut="x", title="x", text="x", inbox=None
        )
    with pytest.raises(PermissionDenied):
        actions.delete_canned_reply(actor=actor, reply=everywhere)
    assert CannedReply.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"shortcut": ""}, "shortcut: use up to 40"),
        ({"shortcut": "two words"}, "shortcut: use up to 40"),
        ({"shortcut": "-dash-first"}, "shortcut: use up to 40"),
        ({"shortcut": "é"}, "shortcut: use up to 40"),
        ({"shortcut": "x" * 41}, "shortcut: use up to 40"),
        ({"title": "   "}, "title: give the canned reply a title"),
        ({"title": "t" * 101}, "title: at most 100"),
        ({"text": " \n "}, "text: write the reply"),
        ({"text": "Hi {{ custmer.name }}"}, r"text: unknown placeholder \{\{ custmer.name \}\}"),
        ({"text": "{{ settings.SECRET_KEY }}"}, "text: unknown placeholder"),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_the_field(admin, fields, message):
    with pytest.raises(ValidationFailed, match=message):
        create(admin, **fields)
    assert not CannedReply.objects.exists()


def test_a_text_longer_than_a_message_is_refused(admin, settings):
    settings.RAPPORT_MAX_MESSAGE_CHARS = 20

    with pytest.raises(ValidationFailed, match="text: at most 20 characters"):
        create(admin, text="x" * 21)


def test_the_unknown_placeholder_message_lists_the_known_ones(admin):
    with pytest.raises(ValidationFailed) as refused:
        create(admin, text="{{ customer.nickname }}")

    assert "{{ customer.first_name }}" in refused.value.message


def test_template_tags_are_just_text_and_may_be_saved(admin):
    reply = create(admin, text="{% load static %}Hi")

    assert reply.text == "{% load static %}Hi"


def test_a_shortcut_is_unique_among_the_replies_a_conversation_is_offered(
    admin, webform_inbox, api_inbox
):
    create(admin, shortcut="refund")  # all inboxes
    create(admin, shortcut="bulk", inbox=webform_inbox)

    with pytest.raises(Conflict, match="/refund is already the canned reply “Refund” for all"):
        create(admin, shortcut="refund", inbox=webform_inbox)
    with pytest.raises(Conflict, match="/bulk is already the canned reply “Refund” in Support"):
        create(admin, shortcut="bulk")
    with pytest.raises(Conflict):
        create(admin, shortcut="bulk", inbox=webform_inbox)

    # Another inbox may use the shortcut of an inbox-only reply.
    assert create(admin, shortcut="bulk", inbox=api_inbox).inbox == api_inbox


def test_the_database_keeps_shortcuts_unique_per_scope(admin, webform_inbox):
    reply = create(admin, inbox=webform_inbox)
    everywhere = create(admin, shortcut="hello")

    with transaction.atomic(), pytest.raises(IntegrityError):
        CannedReply.objects.create(shortcut="refund", title="Again", text="x", inbox=webform_inbox)
    with transaction.atomic(), pytest.raises(IntegrityError):
        CannedReply.objects.create(shortcut="hello", title="Again", text="x")
    assert str(reply) == "/refund"
    assert str(everywhere) == "/hello"


def test_update_changes_every_field_and_keeps_its_own_shortcut(admin, webform_inbox):
    reply = create(admin)

    actions.update_canned_reply(
        actor=admin,
        reply=reply,
        shortcut="refund",
        title="Refunds",
        text="Refunded, {{ customer.first_name }}.",
        inbox=webform_inbox,
    )

    reply.refresh_from_db()
    assert (reply.title, reply.inbox) == ("Refunds", webform_inbox)
    assert AuditEntry.objects.filter(verb="canned_reply.updated", object_id=reply.pk).exists()


def test_a_refused_update_leaves_the_reply_as_it_was(admin):
    create(admin, shortcut="taken")
    reply = create(admin)

    with pytest.raises(Conflict):
        actions.update_canned_reply(
            actor=admin, reply=reply, shortcut="taken", title="New", text="New", inbox=None
        )

    assert (reply.shortcut, reply.title) == ("refund", "Refund")


def test_delete_removes_it_and_leaves_an_audit_entry(admin):
    reply = create(admin)
    reply_id = reply.pk

    actions.delete_canned_reply(actor=admin, reply=reply)

    assert not CannedReply.objects.exists()
    entry = AuditEntry.objects.get(verb="canned_reply.deleted")
    assert (entry.object_id, entry.changes) == (reply_id, {"shortcut": "refund"})


def test_deleting_an_inbox_deletes_its_canned_replies_only(admin, webform_inbox):
    create(admin, inbox=webform_inbox)
    create(admin, shortcut="hello")

    webform_inbox.delete()

    assert list(CannedReply.objects.values_list("shortcut", flat=True)) == ["hello"]
