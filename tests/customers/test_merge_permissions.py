"""Who may merge: staff who may change customers and can see both (issue 21's boundary).

A customer whose conversations are all in inboxes an agent is not in is invisible to
them; merging with one answers the same "not found" as a customer that does not exist.
"""

from __future__ import annotations

import pytest

from rapport.accounts.models import Role, User
from rapport.core.errors import NotFound, PermissionDenied
from rapport.customers.actions import merge_customers
from rapport.customers.models import Customer
from rapport.inboxes.models import Inbox
from tests.customers.helpers import writes_in
from tests.factories import UserFactory


@pytest.fixture
def seen(webform_inbox: Inbox) -> Customer:
    return writes_in(webform_inbox, "email", "ann@example.com", "Ann Lee").customer


@pytest.fixture
def also_seen(api_inbox: Inbox) -> Customer:
    return writes_in(api_inbox, "phone", "+14155550111", "Ann Lee").customer


@pytest.fixture
def hidden(other_inbox: Inbox) -> Customer:
    """Only in an inbox the ``agent`` fixture is not a member of."""
    return writes_in(other_inbox, "email", "ann.lee@example.net", "Ann Lee").customer


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR])
def test_managers_merge_any_two(
    role: str, seen: Customer, hidden: Customer, webform_inbox: Inbox
) -> None:
    actor = UserFactory(role=role)
    assert merge_customers(actor=actor, keep=seen, absorb=hidden).pk == seen.pk
    assert not Customer.objects.filter(pk=hidden.pk).exists()


def test_an_agent_merges_two_customers_they_see(
    agent: User, seen: Customer, also_seen: Customer
) -> None:
    merge_customers(actor=agent, keep=seen, absorb=also_seen)
    assert not Customer.objects.filter(pk=also_seen.pk).exists()


@pytest.mark.parametrize("hidden_side", ["keep", "absorb"])
def test_an_agent_who_cannot_see_one_of_them_hears_not_found(
    agent: User, seen: Customer, hidden: Customer, hidden_side: str
) -> None:
    keep, absorb = (hidden, seen) if hidden_side == "keep" else (seen, hidden)

    with pytest.raises(NotFound) as refused:
        merge_customers(actor=agent, keep=keep, absorb=absorb)

    assert refused.value.message == f"customer {hidden.pk} not found"  # as for a missing one
    assert Customer.objects.filter(pk__in=[seen.pk, hidden.pk]).count() == 2


def test_not_found_is_the_same_for_a_customer_that_does_not_exist(
    agent: User, seen: Customer, hidden: Customer
) -> None:
    gone = Customer(pk=hidden.pk + 1000, name="Nobody")
    with pytest.raises(NotFound) as refused:
        merge_customers(actor=agent, keep=seen, absorb=gone)
    assert refused.value.message == f"customer {gone.pk} not found"


def test_an_agent_of_no_inbox_sees_neither(
    outsider: User, seen: Customer, also_seen: Customer
) -> None:
    with pytest.raises(NotFound):
        merge_customers(actor=outsider, keep=seen, absorb=also_seen)


def test_a_light_seat_may_not_merge_even_customers_they_see(
    light_seat: User, seen: Customer, webform_inbox: Inbox
) -> None:
    other = writes_in(webform_inbox, "email", "ann2@example.com", "Ann Lee").customer

    with pytest.raises(PermissionDenied):
        merge_customers(actor=light_seat, keep=seen, absorb=other)

    assert Customer.objects.filter(pk=other.pk).exists()


def test_an_api_token_limited_to_one_inbox_sees_only_that_inbox_customers(
    agent: User, seen: Customer, also_seen: Customer, webform_inbox: Inbox
) -> None:
    agent.inbox_limit = frozenset({webform_inbox.pk})  # as accounts.tokens sets it
    with pytest.raises(NotFound):
        merge_customers(actor=agent, keep=seen, absorb=also_seen)
