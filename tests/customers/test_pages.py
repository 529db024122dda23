"""The customer page, its duplicate suggestion, the merge confirmation and the list."""

from __future__ import annotations

import pytest
from django.test import Client

from rapport.accounts.models import User
from rapport.core.models import AuditEntry
from rapport.customers.models import Customer
from rapport.inboxes.models import Inbox
from tests.conftest import logged_in
from tests.customers.helpers import writes_in


@pytest.fixture
def pair(webform_inbox: Inbox, api_inbox: Inbox) -> tuple[Customer, Customer]:
    """One person twice: by e-mail on the web form, by phone through the API channel."""
    by_mail = writes_in(webform_inbox, "email", "nora@example.com", "Nora Keller", "Scarf")
    by_phone = writes_in(api_inbox, "phone", "+14155550142", "Nora Keller", "Boots")
    return by_mail.customer, by_phone.customer


def test_the_customer_page_suggests_the_duplicate_with_a_merge_button(
    agent: User, pair: tuple[Customer, Customer]
) -> None:
    keep, other = pair
    page = logged_in(agent).get(f"/customers/{keep.pk}").content.decode()

    assert "Nora Keller" in page
    assert "nora@example.com" in page
    assert f'data-duplicate="{other.pk}"' in page
    assert "Possible duplicate:" in page
    assert "same name" in page
    assert f'href="/customers/{keep.pk}/merge/{other.pk}"' in page
    assert f"#{keep.conversations.get().pk} Scarf" in page


def test_the_confirm_page_shows_both_and_what_moves(
    agent: User, pair: tuple[Customer, Customer]
) -> None:
    keep, other = pair
    page = logged_in(agent).get(f"/customers/{keep.pk}/merge/{other.pk}").content.decode()

    assert "Merge two customers" in page
    assert "Only their names are the same" in page
    assert "Kept" in page
    assert "Merged into it and removed" in page
    assert "+14155550142" in page  # the phone that moves
    assert "Phone taken over" in page
    assert "Boots" in page
    assert "Scarf" in page
    assert Customer.objects.filter(pk=other.pk).exists()  # looking changes nothing


def test_merging_lands_on_the_kept_customer_with_both_conversations_and_the_history(
    agent: User, pair: tuple[Customer, Customer]
) -> None:
    keep, other = pair
    client = logged_in(agent)

    response = client.post(f"/customers/{keep.pk}/merge/{other.pk}", follow=True)

    assert response.redirect_chain == [(f"/customers/{keep.pk}", 302)]
    page = response.content.decode()
    assert "Merged Nora Keller (customer" in page
    assert "Scarf" in page
    assert "Boots" in page
    assert "Maria Agent" in page
    assert f"merged Nora Keller (customer {other.pk})" in page
    assert "phone:+14155550142" in page
    assert "data-duplicate=" not in page
    assert not Customer.objects.filter(pk=other.pk).exists()
    assert AuditEntry.objects.filter(verb="customer.merged", actor=agent).count() == 1


def test_a_light_seat_sees_the_customer_but_no_merge(
    light_seat: User, webform_inbox: Inbox
) -> None:
    keep = writes_in(webform_inbox, "email", "a@example.com", "Nora Keller").customer
    other = writes_in(webform_inbox, "email", "b@example.com", "Nora Keller").customer
    client = logged_in(light_seat)

    page = client.get(f"/customers/{keep.pk}").content.decode()
    assert "data-duplicate=" in page
    assert "Merge…" not in page
    assert client.get(f"/customers/{keep.pk}/merge/{other.pk}").status_code == 403
    assert client.post(f"/customers/{keep.pk}/merge/{other.pk}").status_code == 403
    assert Customer.objects.filter(pk=other.pk).exists()


def test_a_customer_the_agent_cannot_see_is_not_found_on_every_page(
    agent: User, webform_inbox: Inbox, other_inbox: Inbox
) -> None:
    mine = writes_in(webform_inbox, "email", "a@example.com", "Nora Keller").customer
    hidden = writes_in(other_inbox, "email", "b@example.com", "Nora Keller").customer
    client = logged_in(agent)

    assert client.get(f"/customers/{hidden.pk}").status_code == 404
    assert client.get(f"/customers/{mine.pk}/merge/{hidden.pk}").status_code == 404
    assert client.post(f"/customers/{mine.pk}/merge/{hidden.pk}").status_code == 404
    assert client.post(f"/customers/{mine.pk}/merge/{hidden.pk + 999}").status_code == 404
    assert "data-duplicate=" not in client.get(f"/customers/{mine.pk}").content.decode()
    assert Customer.objects.filter(pk=hidden.pk).exists()


def test_merging_a_customer_into_themselves_is_refused(agent: User, webform_inbox: Inbox) -> None:
    me = writes_in(webform_inbox, "email", "a@example.com", "Nora Keller").customer
    response = logged_in(agent).post(f"/customers/{me.pk}/merge/{me.pk}")
    assert response.status_code == 400
    assert "cannot be merged into themselves" in response.content.decode()


def test_the_possible_duplicates_page_lists_pairs_to_compare(
    agent: User, pair: tuple[Customer, Customer]
) -> None:
    keep, other = pair
    page = logged_in(agent).get("/customers/duplicates").content.decode()

    assert f'data-pair="{keep.pk}-{other.pk}"' in page
    assert f'href="/customers/{keep.pk}/merge/{other.pk}"' in page


def test_the_possible_duplicates_page_when_there_are_none(admin_client: Client) -> None:
    page = admin_client.get("/customers/duplicates").content.decode()
    assert "No possible duplicates" in page


def test_a_bad_page_parameter_is_a_clear_400(admin_client: Client) -> None:
    response = admin_client.get("/customers/duplicates?before=abc")
    assert response.status_code == 400
    assert "expected a customer number" in response.content.decode()


def test_hostile_names_are_escaped(admin_client: Client, webform_inbox: Inbox) -> None:
    hostile = "<script>alert(1)</script> Doe"
    keep = writes_in(webform_inbox, "email", "a@example.com", hostile).customer
    other = writes_in(webform_inbox, "email", "b@example.com", hostile).customer

    for url in (
        f"/customers/{keep.pk}",
        f"/customers/{keep.pk}/merge/{other.pk}",
        "/customers/duplicates",
    ):
        page = admin_client.get(url).content.decode()
        assert "<script>alert(1)" not in page
        assert "&lt;script&gt;" in page


def test_the_confirm_page_says_which_kept_value_stays_and_what_comes_along(
    admin_client: Client, webform_inbox: Inbox
) -> None:
    keep = writes_in(webform_inbox, "email", "nora@work.example", "Nora Keller").customer
    other = writes_in(webform_inbox, "email", "nora@home.example", "Nora K").customer

    page = admin_client.get(f"/customers/{keep.pk}/merge/{other.pk}").content.decode()

    assert "They have the same" not in page  # nothing matches: the page says so
    assert "Nothing in their profiles matches" in page
    assert "E-mail: <strong>nora@work.example</strong> stays; nora@home.example comes along" in page
    assert "Name: <strong>Nora Keller</strong> stays; Nora K is not taken" in page


def test_the_history_shows_other_changes_by_staff_too(
    admin_client: Client, admin: User, webform_inbox: Inbox
) -> None:
    from rapport.customers.actions import update_customer

    customer = writes_in(webform_inbox, "email", "a@example.com", "Nora Keller").customer
    update_customer(actor=admin, customer=customer, name="Nora M. Keller")

    page = admin_client.get(f"/customers/{customer.pk}").content.decode()

    assert "changed the profile" in page
    assert "name: Nora M. Keller" in page
