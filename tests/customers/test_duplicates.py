"""Suggested merges: the same phone (E.164), e-mail (lower-case) or full name — only ever
suggested, only among customers the viewer may see, found by index look-ups."""

from __future__ import annotations

from typing import Any

import pytest

from rapport.accounts.models import User
from rapport.customers import duplicates
from rapport.customers.actions import remove_identity, set_contact_details
from rapport.customers.duplicates import duplicates_of, possible_duplicates
from rapport.customers.models import Customer
from rapport.customers.selectors import access_customer
from rapport.inboxes.models import Inbox
from tests.customers.helpers import writes_in


def suggested(user: User, customer: Customer) -> list[tuple[int, tuple[str, ...]]]:
    found = duplicates_of(user, access_customer(user, customer.pk))
    return [(d.customer.pk, d.reasons) for d in found]


def test_a_chat_visitor_who_typed_an_address_matches_the_customer_writing_from_it(
    admin: User, webform_inbox: Inbox, api_inbox: Inbox
) -> None:
    by_mail = writes_in(webform_inbox, "email", "rosa@example.com", "Rosa Costa").customer
    visitor = writes_in(api_inbox, "visitor", "visitor-1").customer
    set_contact_details(customer=visitor, email="rosa@example.com", overwrite=False)

    assert suggested(admin, visitor) == [(by_mail.pk, ("e-mail",))]
    assert suggested(admin, by_mail) == [(visitor.pk, ("e-mail",))]


def test_a_phone_kept_on_a_profile_matches_the_customer_who_now_texts_from_it(
    admin: User, webform_inbox: Inbox
) -> None:
    old = writes_in(webform_inbox, "phone", "+442079460000", "Hugo Moreau").customer
    remove_identity(actor=admin, identity=old.identities.get())
    old.refresh_from_db()
    new = writes_in(webform_inbox, "phone", "+442079460000", "H. Moreau").customer

    assert new.pk != old.pk
    assert old.phone == "+442079460000"
    assert suggested(admin, new) == [(old.pk, ("phone",))]


def test_the_same_full_name_in_any_case_is_a_suggestion(admin: User, webform_inbox: Inbox) -> None:
    first = writes_in(webform_inbox, "email", "a@example.com", "Émile Zola").customer
    second = writes_in(webform_inbox, "email", "b@example.com", "Émile Zola").customer
    third = writes_in(webform_inbox, "email", "c@example.com", "jane doe").customer
    fourth = writes_in(webform_inbox, "email", "d@example.com", "Jane Doe").customer

    assert suggested(admin, first) == [(second.pk, ("name",))]
    assert suggested(admin, fourth) == [(third.pk, ("name",))]
    assert duplicates_of(admin, first)[0].name_only


def test_a_first_name_alone_is_not_a_full_name(admin: User, webform_inbox: Inbox) -> None:
    one = writes_in(webform_inbox, "email", "a@example.com", "Jane").customer
    writes_in(webform_inbox, "email", "b@example.com", "Jane")
    writes_in(webform_inbox, "email", "c@example.com", "")

    assert suggested(admin, one) == []


def test_more_reasons_come_first(admin: User, webform_inbox: Inbox) -> None:
    me = writes_in(webform_inbox, "email", "me@example.com", "Ana Silva").customer
    namesake = writes_in(webform_inbox, "email", "other@example.com", "Ana Silva").customer
    twin = writes_in(webform_inbox, "email", "twin@example.com", "Ana Silva").customer
    set_contact_details(customer=twin, email="me@example.com", overwrite=True)

    assert suggested(admin, me) == [(twin.pk, ("e-mail", "name")), (namesake.pk, ("name",))]


def test_a_customer_the_viewer_cannot_see_is_never_suggested(
    admin: User, agent: User, webform_inbox: Inbox, other_inbox: Inbox
) -> None:
    mine = writes_in(webform_inbox, "email", "kofi@example.com", "Kofi Mensah").customer
    hidden = writes_in(other_inbox, "email", "kofi@example.net", "Kofi Mensah").customer

    assert suggested(agent, mine) == []
    assert suggested(admin, mine) == [(hidden.pk, ("name",))]


def test_nothing_is_merged_by_a_suggestion(admin: User, webform_inbox: Inbox) -> None:
    writes_in(webform_inbox, "email", "a@example.com", "Lina Keller")
    writes_in(webform_inbox, "email", "b@example.com", "Lina Keller")

    possible_duplicates(admin)

    assert Customer.objects.filter(name="Lina Keller").count() == 2


def test_the_list_shows_each_pair_once_newest_first_a_page_at_a_time(
    admin: User, webform_inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(duplicates, "PAGE", 1)
    a1 = writes_in(webform_inbox, "email", "a1@example.com", "Amara Abbott").customer
    b1 = writes_in(webform_inbox, "email", "b1@example.com", "Ben Bianchi").customer
    writes_in(webform_inbox, "email", "x@example.com", "Someone Else")
    a2 = writes_in(webform_inbox, "email", "a2@example.com", "Amara Abbott").customer
    b2 = writes_in(webform_inbox, "email", "b2@example.com", "Ben Bianchi").customer

    first = possible_duplicates(admin)
    second = possible_duplicates(admin, before=first.next_before)

    pairs = [(p.newer.pk, p.older.pk, p.reasons) for page in (first, second) for p in page.pairs]
    assert pairs == [(b2.pk, b1.pk, ("name",)), (a2.pk, a1.pk, ("name",))]
    assert first.next_before == b2.pk
    assert second.next_before is None


def test_the_list_finds_pairs_however_old_and_far_apart(
    admin: User, webform_inbox: Inbox, api_inbox: Inbox
) -> None:
    """No window: a customer from long ago and one from today are still a pair."""
    old = writes_in(webform_inbox, "email", "first@example.com", "Old Timer").customer
    for number in range(250):
        writes_in(webform_inbox, "email", f"p{number}@example.com", f"Person {number}")
    new = writes_in(api_inbox, "phone", "+14155550100").customer
    set_contact_details(customer=new, email="first@example.com", overwrite=False)

    page = possible_duplicates(admin)

    assert [(p.newer.pk, p.older.pk, p.reasons) for p in page.pairs] == [
        (new.pk, old.pk, ("e-mail",))
    ]
    assert page.next_before is None


def test_a_phone_on_a_profile_and_as_an_identity_of_three_customers(
    admin: User, webform_inbox: Inbox
) -> None:
    texts = writes_in(webform_inbox, "phone", "+442079460000", "Hugo Moreau").customer
    one = writes_in(webform_inbox, "email", "h1@example.com", "H One").customer
    two = writes_in(webform_inbox, "email", "h2@example.com", "H Two").customer
    for customer in (one, two):
        Customer.objects.filter(pk=customer.pk).update(phone="+442079460000")

    pairs = [(p.newer.pk, p.older.pk, p.reasons) for p in possible_duplicates(admin).pairs]

    assert pairs == [
        (two.pk, one.pk, ("phone",)),
        (two.pk, texts.pk, ("phone",)),
        (one.pk, texts.pk, ("phone",)),
    ]


def test_the_list_leaves_out_pairs_with_a_customer_the_viewer_cannot_see(
    agent: User, webform_inbox: Inbox, other_inbox: Inbox
) -> None:
    writes_in(webform_inbox, "email", "a@example.com", "Pia Larsen")
    writes_in(other_inbox, "email", "b@example.com", "Pia Larsen")

    assert possible_duplicates(agent).pairs == []


def test_look_ups_do_not_grow_with_the_number_of_customers(
    admin: User, webform_inbox: Inbox, django_assert_max_num_queries: Any
) -> None:
    for number in range(30):
        writes_in(webform_inbox, "email", f"p{number}@example.com", f"Person {number % 10} Same")
    customer = access_customer(admin, Customer.objects.order_by("id").first().pk)  # type: ignore[union-attr]

    with django_assert_max_num_queries(8):
        assert len(duplicates_of(admin, customer)) == 2
    with django_assert_max_num_queries(6):
        assert len(possible_duplicates(admin).pairs) == 10 * 3  # three of each name: 3 pairs
