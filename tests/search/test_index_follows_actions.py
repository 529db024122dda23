"""The index follows every action that changes indexed text: deleting a conversation (an
admin's action, from the API and the conversation page), customer edits, and the message
actions; a merge moving conversations to another customer needs no message row changed."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from rapport.accounts.models import User
from rapport.conversations.actions import delete_conversation, receive_message, send_automatic_reply
from rapport.conversations.inbound import InboundMessage, OpenConversation, Sender
from rapport.conversations.models import Attachment, Conversation, ConversationCount, Message
from rapport.core.errors import PermissionDenied
from rapport.core.models import AuditEntry
from rapport.customers import actions as customer_actions
from rapport.customers.models import Customer
from rapport.inboxes.models import Inbox
from rapport.search import index
from tests.api.conftest import Api
from tests.conftest import logged_in
from tests.search.helpers import customers_found, found, note, receive, reply

pytestmark = pytest.mark.django_db


def indexed_message_ids() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid FROM {index.MESSAGES}")  # noqa: S608
        return {row[0] for row in cursor.fetchall()}


def open_count(inbox: Inbox) -> int:
    return sum(
        ConversationCount.objects.filter(inbox=inbox, status="open").values_list("count", flat=True)
    )


def with_file(inbox: Inbox, text: str) -> Message:
    upload = SimpleUploadedFile("receipt.txt", b"paid twice", content_type="text/plain")
    inbound = InboundMessage(
        sender=Sender("email", "filer@example.com", "Filer"),
        text=text,
        thread=OpenConversation(),
        attachments=[upload],
    )
    return receive_message(inbox=inbox, message=inbound).message


def test_deleting_a_conversation_removes_it_everywhere(
    admin: User, webform_inbox: Inbox, django_capture_on_commit_callbacks
):
    kept = receive(webform_inbox, "teapot kept", email="keep@example.com", new=True)
    first = with_file(webform_inbox, "teapot cracked")
    later = reply(first, admin, "sorry about the teapot")
    noted = note(first, admin, "teapot supplier again")
    (attachment,) = Attachment.objects.filter(message=first)
    path = attachment.file.name
    assert default_storage.exists(path)
    before = open_count(webform_inbox)

    with django_capture_on_commit_callbacks(execute=True):
        delete_conversation(conversation=first.conversation, actor=admin)

    gone = {first.pk, later.pk, noted.pk}
    assert not Conversation.objects.filter(pk=first.conversation_id).exists()
    assert not gone & indexed_message_ids()
    assert kept.pk in indexed_message_ids()
    assert found(admin, "teapot") == ["teapot kept"]
    assert not default_storage.exists(path)
    assert open_count(webform_inbox) == before - 1
    entry = AuditEntry.objects.get(verb="conversation.deleted")
    assert (entry.actor, entry.object_id) == (admin, first.conversation_id)
    assert entry.changes["messages"] == 3
    assert entry.changes["attachments"] == 1


def test_only_admins_delete_and_a_refusal_changes_nothing(
    agent: User, supervisor: User, webform_inbox: Inbox
):
    message = receive(webform_inbox, "teapot stays")

    for actor in (agent, supervisor):
        with pytest.raises(PermissionDenied):
            delete_conversation(conversation=message.conversation, actor=actor)

    assert Conversation.objects.filter(pk=message.conversation_id).exists()
    assert message.pk in indexed_message_ids()
    assert not AuditEntry.objects.filter(verb="conversation.deleted").exists()


def test_delete_over_the_api(admin: User, agent: User, outsider: User, webform_inbox: Inbox):
    message = receive(webform_inbox, "teapot by api")
    path = f"/conversations/{message.conversation_id}"

    assert Api(outsider).delete(path).status_code == 404  # cannot see it: not found
    assert Api(agent).delete(path).status_code == 403
    assert Api(admin).delete(path).status_code == 204
    assert Api(admin).delete(path).status_code == 404
    assert found(admin, "teapot") == []


def test_the_openapi_description_has_the_delete(admin: User):
    paths = Api(admin).client.get("/api/openapi.json").json()["paths"]

    operation = paths["/api/v1/conversations/{conversation_id}"]["delete"]
    assert "admins" in operation["summary"].lower()
    assert "204" in operation["responses"]
    assert "cannot be undone" in operation["description"]


def test_the_conversation_menu_deletes_for_admins_only(
    admin: User, agent: User, webform_inbox: Inbox
):
    message = receive(webform_inbox, "teapot by page")
    page = f"/conversations/{message.conversation_id}"
    delete_url = f"{page}/delete"

    assert delete_url not in logged_in(agent).get(page).content.decode()
    assert logged_in(agent).post(delete_url).status_code == 403
    admin_page = logged_in(admin).get(page).content.decode()
    assert delete_url in admin_page
    assert "hx-confirm=" in admin_page

    answer = logged_in(admin).post(delete_url, HTTP_HX_REQUEST="true")

    assert answer.status_code == 204
    assert answer["HX-Redirect"] == "/inbox"
    assert not Conversation.objects.filter(pk=message.conversation_id).exists()
    assert found(admin, "teapot") == []


def test_every_message_action_is_found(admin: User, webform_inbox: Inbox):
    first = receive(webform_inbox, "kettle one", subject="Descaling", new=True)
    reply(first, admin, "kettle two")
    note(first, admin, "kettle three")
    other = receive(webform_inbox, "another question", email="auto@example.com", new=True)
    send_automatic_reply(conversation=other.conversation, text="kettle four, automatic")

    # One result per conversation, by its newest match.
    assert found(admin, "kettle") == ["kettle four, automatic", "kettle three"]
    assert found(admin, "kettle two") == ["kettle two"]
    assert found(admin, "automatic") == ["kettle four, automatic"]
    assert found(admin, "descaling") == ["kettle one"]  # the subject: the opening message


def test_customer_details_from_a_form_are_found(admin: User, webform_inbox: Inbox):
    message = receive(webform_inbox, "hello", email="visitor@example.com", name="")
    customer = message.conversation.customer

    customer_actions.set_contact_details(
        customer=customer, name="Quentin Quill", email="quill@example.org", overwrite=True
    )

    assert customers_found(admin, "quentin") == ["Quentin Quill"]
    assert customers_found(admin, "quill@example.org") == ["Quentin Quill"]


def test_conversations_moved_to_another_customer_are_found_by_the_new_one(
    admin: User, webform_inbox: Inbox
):
    # What a merge does to conversations: the message index holds no customer, so
    # ``from:`` follows the conversation's customer with no index row rewritten.
    message = receive(webform_inbox, "toaster smoke", email="old@example.com", name="Old Name")
    kept = customer_actions.create_customer(actor=admin, name="Kept Person", email="kept@ex.com")
    rows_before = indexed_message_ids()

    Conversation.objects.filter(pk=message.conversation_id).update(customer=kept)

    assert found(admin, "toaster from:kept@ex.com") == ["toaster smoke"]
    assert found(admin, "toaster from:old@example.com") == []
    assert indexed_message_ids() == rows_before
    assert Customer.objects.filter(pk=message.conversation.customer_id).exists()
