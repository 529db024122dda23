"""The compiled-once statements of the receive path write and read what the ORM would."""

from __future__ import annotations

import gc
import weakref

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import signals
from django.forms.models import model_to_dict
from django.utils import timezone

from rapport.conversations.actions.attachments import store_attachments
from rapport.conversations.attachments import remember_attachments
from rapport.conversations.models import Conversation, Message, Status
from rapport.core import rows
from rapport.customers.lookups import identity_addresses, identity_owner
from rapport.customers.models import Customer, Identity
from tests.factories import ConversationFactory, CustomerFactory, MessageFactory

pytestmark = pytest.mark.django_db

WRITTEN_BY_ROWS = (Customer, Identity, Conversation, Message)


def stored(model, pk):
    return model_to_dict(model.objects.get(pk=pk), fields=None, exclude=None) | {"id": pk}


def test_no_model_signals_are_connected_to_what_rows_writes():
    """rows.insert sends no signals; a receiver added later must not be skipped silently."""
    for model in WRITTEN_BY_ROWS:
        for signal in (signals.pre_save, signals.post_save):
            assert not signal.has_listeners(model), f"{signal} on {model.__name__}"


def test_insert_writes_the_row_save_would_write(api_inbox):
    now = timezone.now()
    customer = rows.insert(Customer(name="Kim <b>", email="kim@mail.example"))
    by_save = Customer.objects.create(name="Kim <b>", email="kim@mail.example")
    assert customer.pk
    assert customer.pk != by_save.pk
    assert not customer._state.adding
    assert customer._state.db == "default"
    ours, theirs = stored(Customer, customer.pk), stored(Customer, by_save.pk)
    assert ours | {"id": 0, "created_at": 0} == theirs | {"id": 0, "created_at": 0}
    assert ours["attributes"] == {}  # the field's default, through get_db_prep_save

    conversation = rows.insert(
        Conversation(inbox=api_inbox, customer=customer, subject="Hi", status=Status.OPEN,
                     created_at=now, last_activity_at=now)
    )  # fmt: skip
    message = rows.insert(
        Message(conversation=conversation, inbox=api_inbox, direction="in", text="é 😀",
                raw={"nested": [1, "two"]}, external_id="x-1", created_at=now)
    )  # fmt: skip
    again = Message.objects.get(pk=message.pk)
    assert (again.text, again.raw, again.created_at) == ("é 😀", {"nested": [1, "two"]}, now)
    assert again.conversation_id == conversation.pk


def test_insert_raises_the_integrity_error_save_would(api_inbox):
    from django.db import IntegrityError, transaction

    customer = CustomerFactory()
    rows.insert(Identity(customer=customer, kind="email", address="a@b.example"))
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert(Identity(customer=customer, kind="email", address="a@b.example"))


def test_identity_owner_is_the_orm_answer():
    customer = CustomerFactory(name="Ann", attributes={"plan": "gold"})
    Identity.objects.create(customer=customer, kind="phone", address="+4915112345678")
    found = identity_owner("phone", "+4915112345678")
    assert found == customer
    assert (found.name, found.attributes, found.created_at) == (
        customer.name, {"plan": "gold"}, customer.created_at,
    )  # fmt: skip
    assert identity_owner("phone", "+4915100000000") is None
    assert identity_owner("email", "+4915112345678") is None


def test_identity_addresses_of_some_kinds_oldest_first():
    customer = CustomerFactory()
    for kind, address in [("visitor", "anon:1"), ("phone", "+4915112345678"),
                          ("email", "ann@mail.example")]:  # fmt: skip
        Identity.objects.create(customer=customer, kind=kind, address=address)
    CustomerFactory()  # someone else's identities stay out
    assert identity_addresses(customer.pk, ["visitor", "email"]) == [
        ("email", customer.email),  # the factory's own identity, the oldest
        ("visitor", "anon:1"),
        ("email", "ann@mail.example"),
    ]


def test_remembered_attachments_answer_without_a_query(django_assert_num_queries):
    message = MessageFactory()
    upload = SimpleUploadedFile("note.txt", b"hello", content_type="text/plain")
    [attachment] = store_attachments(message, [upload])
    fresh = Message.objects.get(pk=message.pk)
    remember_attachments(fresh, [attachment])
    with django_assert_num_queries(0):
        assert list(fresh.attachments.all()) == [attachment]
        assert fresh.attachments.count() == 1
    other = MessageFactory()
    remember_attachments(other, [])
    with django_assert_num_queries(0):
        assert list(other.attachments.all()) == []
    # A narrower look still asks the database, for this message's attachments only.
    assert list(fresh.attachments.all().filter(size__gt=0)) == [attachment]
    assert list(other.attachments.all().filter(size__gt=0)) == []


def test_a_message_with_remembered_attachments_is_freed_without_the_collector():
    """No reference cycle through the remembered rows: a message and all it holds are
    freed when the last reference goes, not at the next garbage collection."""
    message = Message.objects.get(pk=MessageFactory().pk)
    remember_attachments(message, [])
    gone = weakref.ref(message)
    gc.disable()
    try:
        del message
        assert gone() is None
    finally:
        gc.enable()


def differing_fields(model, ours, theirs, ignore=("id",)):
    """Names of the concrete fields whose stored values differ (every field, by name: a
    new field is compared with no edit here)."""
    first, second = model.objects.get(pk=ours.pk), model.objects.get(pk=theirs.pk)
    return [
        f.name
        for f in model._meta.concrete_fields
        if f.name not in ignore and getattr(first, f.attname) != getattr(second, f.attname)
    ]


def test_every_field_rows_insert_writes_is_what_save_writes(api_inbox):
    """Field by field, for every model the receive path inserts; the failure names the field."""
    now = timezone.now()
    customer_fields = {"name": "Kim", "email": "kim@mail.example", "attributes": {"a": [1]}}
    customers = [rows.insert(Customer(**customer_fields)), Customer(**customer_fields)]
    customers[1].save()
    identities = [
        rows.insert(Identity(customer=customers[0], kind="email", address="kim@mail.example")),
        Identity.objects.create(customer=customers[1], kind="email", address="kim@b.example"),
    ]
    conversation_fields = {"inbox": api_inbox, "subject": "Hi", "status": Status.OPEN,
                           "preview": "é", "created_at": now, "last_activity_at": now,
                           "last_customer_message_at": now, "waiting_since": now}  # fmt: skip
    conversations = [
        rows.insert(Conversation(customer=customers[0], **conversation_fields)),
        Conversation.objects.create(customer=customers[1], **conversation_fields),
    ]
    message_fields = {"inbox": api_inbox, "direction": "in", "text": "é 😀", "html": "<p>é</p>",
                      "raw": {"nested": [1, "two"]}, "created_at": now}  # fmt: skip
    messages = [
        rows.insert(Message(conversation=conversations[0], external_id="x-1", **message_fields)),
        Message.objects.create(conversation=conversations[1], external_id="x-2", **message_fields),
    ]

    assert differing_fields(Customer, *customers, ignore=("id", "created_at")) == []
    assert differing_fields(Identity, *identities, ignore=("id", "customer", "address",
                                                           "created_at")) == []  # fmt: skip
    assert differing_fields(Conversation, *conversations, ignore=("id", "customer")) == []
    assert differing_fields(Message, *messages, ignore=("id", "conversation", "external_id")) == []


def test_update_one_changes_what_the_orm_update_changes(api_inbox):
    """The receive path's conditional UPDATE, against the ORM's: values, COALESCE, WHERE."""
    from django.db.models.functions import Coalesce

    earlier, now = timezone.now() - timezone.timedelta(hours=1), timezone.now()
    waiting = [ConversationFactory(inbox=api_inbox, status=Status.OPEN, waiting_since=earlier)
               for _ in range(2)]  # fmt: skip
    fresh = [ConversationFactory(inbox=api_inbox, status=Status.OPEN, waiting_since=None)
             for _ in range(2)]  # fmt: skip
    pending = ConversationFactory(inbox=api_inbox, status=Status.PENDING)
    values = {"last_activity_at": now, "preview": "new"}

    for ours, theirs in (waiting, fresh):
        assert rows.update_one(
            Conversation, ours.pk, values=values, unless_set={"waiting_since": now},
            where={"status": Status.OPEN},
        )  # fmt: skip
        Conversation.objects.filter(pk=theirs.pk, status=Status.OPEN).update(
            waiting_since=Coalesce("waiting_since", now), **values
        )
        made_by_the_factory = ("id", "customer", "subject", "created_at")
        assert differing_fields(Conversation, ours, theirs, ignore=made_by_the_factory) == []
    assert Conversation.objects.get(pk=waiting[0].pk).waiting_since == earlier
    assert Conversation.objects.get(pk=fresh[0].pk).waiting_since == now
    assert not rows.update_one(
        Conversation, pending.pk, values=values, where={"status": Status.OPEN}
    )
    assert Conversation.objects.get(pk=pending.pk).preview != "new"


def test_update_one_refuses_a_name_that_is_not_a_column():
    with pytest.raises(ValueError, match=r"Conversation\.tags is not a column"):
        rows.update_one(Conversation, 1, values={"tags": []})
