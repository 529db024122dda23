"""merge_customers: identities, conversations, profile, audit entry, search index, event."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError

from rapport.accounts.models import User
from rapport.core.errors import Conflict, ValidationFailed
from rapport.core.models import AuditEntry
from rapport.customers import merging
from rapport.customers.actions import merge_customers, update_customer
from rapport.customers.models import Company, Customer, Identity
from rapport.inboxes.models import Inbox
from rapport.search.selectors import search_customers
from tests.customers.helpers import indexed_customer_ids, writes_in


@pytest.fixture
def by_mail(webform_inbox: Inbox) -> Customer:
    return writes_in(webform_inbox, "email", "jane@example.com", "Jane Doe", "Scarf").customer


@pytest.fixture
def by_phone(api_inbox: Inbox) -> Customer:
    return writes_in(api_inbox, "phone", "+14155550100", "Jane Doe", "Boots").customer


def test_identities_and_conversations_move_and_the_absorbed_customer_is_gone(
    admin: User, by_mail: Customer, by_phone: Customer
) -> None:
    absorbed_id = by_phone.pk
    conversations = set(by_phone.conversations.values_list("id", flat=True))

    kept = merge_customers(actor=admin, keep=by_mail, absorb=by_phone)

    assert kept.pk == by_mail.pk
    assert not Customer.objects.filter(pk=absorbed_id).exists()
    assert set(Identity.objects.filter(customer=kept).values_list("kind", "address")) == {
        ("email", "jane@example.com"),
        ("phone", "+14155550100"),
    }
    subjects = set(kept.conversations.values_list("subject", flat=True))
    assert subjects == {"Scarf", "Boots"}
    assert conversations <= set(kept.conversations.values_list("id", flat=True))


def test_blanks_are_filled_and_kept_values_win_with_both_in_the_audit_entry(
    admin: User, by_mail: Customer, by_phone: Customer
) -> None:
    update_customer(
        actor=admin, customer=by_mail, name="Jane Doe", attributes={"plan": "gold", "vip": True}
    )
    update_customer(
        actor=admin,
        customer=by_phone,
        name="Jane D.",
        company="Acme",
        attributes={"plan": "silver", "orders": 3},
    )

    kept = merge_customers(actor=admin, keep=by_mail, absorb=by_phone)
    kept.refresh_from_db()

    assert kept.name == "Jane Doe"  # the kept value stays
    assert kept.phone == "+14155550100"  # blank: filled
    assert kept.company == Company.objects.get(name="Acme")
    assert kept.attributes == {"plan": "gold", "vip": True, "orders": 3}
    entry = AuditEntry.objects.get(verb="customer.merged")
    assert entry.actor == admin
    assert (entry.object_type, entry.object_id) == ("customer", kept.pk)
    changes = entry.changes
    assert changes["kept"] == {"id": kept.pk, "name": "Jane Doe"}
    assert changes["absorbed"]["id"] == by_phone.pk
    assert changes["absorbed"]["name"] == "Jane D."
    assert changes["identities"] == ["phone:+14155550100"]
    assert changes["moved"]["conversations"] == list(
        kept.conversations.filter(subject="Boots").values_list("id", flat=True)
    )
    assert changes["filled"] == {"phone": "+14155550100", "company": "Acme", "attributes.orders": 3}
    assert {c["field"]: (c["kept"], c["absorbed"]) for c in changes["conflicts"]} == {
        "name": ("Jane Doe", "Jane D."),
        "attributes.plan": ("gold", "silver"),
    }


def test_the_earlier_start_and_the_later_visit_are_kept(
    admin: User, by_mail: Customer, by_phone: Customer
) -> None:
    earlier = by_mail.created_at.replace(year=2020)
    later = by_mail.created_at + timedelta(days=1)
    Customer.objects.filter(pk=by_mail.pk).update(last_seen_at=by_mail.created_at)
    Customer.objects.filter(pk=by_phone.pk).update(created_at=earlier, last_seen_at=later)
    by_mail.refresh_from_db()
    by_phone.refresh_from_db()

    kept = merge_customers(actor=admin, keep=by_mail, absorb=by_phone)

    kept.refresh_from_db()
    assert (kept.created_at, kept.last_seen_at) == (earlier, later)


def test_the_search_index_follows(admin: User, by_mail: Customer, by_phone: Customer) -> None:
    absorbed_id = by_phone.pk
    assert {by_mail.pk, absorbed_id} <= indexed_customer_ids()

    merge_customers(actor=admin, keep=by_mail, absorb=by_phone)

    assert absorbed_id not in indexed_customer_ids()
    assert [c.pk for c in search_customers(admin, "+1 415 555 0100")] == [by_mail.pk]
    assert [c.pk for c in search_customers(admin, "jane@example.com")] == [by_mail.pk]


def test_messages_of_moved_conversations_stay_found_under_the_kept_customer(
    admin: User, by_mail: Customer, by_phone: Customer
) -> None:
    from rapport.search.query import parse
    from rapport.search.selectors import search_messages

    merge_customers(actor=admin, keep=by_mail, absorb=by_phone)

    hits = search_messages(admin, parse("boots"), limit=5).hits
    assert [hit.message.conversation.customer_id for hit in hits] == [by_mail.pk]


def test_a_customer_is_not_merged_into_themselves(admin: User, by_mail: Customer) -> None:
    with pytest.raises(ValidationFailed):
        merge_customers(actor=admin, keep=by_mail, absorb=by_mail)


def test_rows_no_mover_takes_refuse_the_merge_and_change_nothing(
    admin: User, by_mail: Customer, by_phone: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relation without a mover must not be deleted with the customer (or half-moved)."""
    monkeypatch.setattr(merging, "_movers", {})

    with pytest.raises(Conflict, match="conversations"):
        merge_customers(actor=admin, keep=by_mail, absorb=by_phone)

    assert Customer.objects.filter(pk=by_phone.pk).exists()
    assert by_phone.identities.count() == 1
    assert not AuditEntry.objects.filter(verb="customer.merged").exists()


def test_events_after_commit(
    admin: User,
    by_mail: Customer,
    by_phone: Customer,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    heard: list[Any] = []
    monkeypatch.setattr("rapport.core.events.dispatch", heard.append)
    moved = list(by_phone.conversations.values_list("id", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        merge_customers(actor=admin, keep=by_mail, absorb=by_phone)

    names = [(event.name, getattr(event, "conversation_id", None)) for event in heard]
    assert ("customer.merged", None) in names
    assert [("conversation.updated", pk) for pk in moved] == [
        n for n in names if n[0] == "conversation.updated"
    ]


def test_identities_stay_unique_after_a_merge(
    admin: User, by_mail: Customer, by_phone: Customer, webform_inbox: Inbox
) -> None:
    """The moved phone now finds the kept customer, on every channel."""
    merge_customers(actor=admin, keep=by_mail, absorb=by_phone)

    again = writes_in(webform_inbox, "phone", "+14155550100", text="Me again")

    assert again.customer_id == by_mail.pk
    with pytest.raises(IntegrityError):
        Identity.objects.create(customer=by_mail, kind="phone", address="+14155550100")
