"""Full names match in any case on both databases: the key is folded in Python
(``casefold`` after NFKC), not by the database's ``LOWER`` (SQLite's folds ASCII only)."""

from __future__ import annotations

import unicodedata

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from rapport.accounts.models import User
from rapport.customers.actions import merge_customers, set_contact_details, update_customer
from rapport.customers.duplicates import duplicates_of, possible_duplicates
from rapport.customers.models import Customer
from rapport.customers.names import name_key
from rapport.customers.selectors import access_customer
from rapport.inboxes.models import Inbox
from tests.customers.helpers import writes_in


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("ÉLODIE Durand", "élodie durand"),
        ("  élodie   DURAND ", "élodie durand"),
        ("E\u0301lodie Durand", "élodie durand"),  # "e" and a combining accent
        ("Jürgen STRASSE", "jürgen strasse"),
        ("Jürgen Straße", "jürgen strasse"),
        ("\uff21\uff2e\uff21 Silva", "ana silva"),  # full-width letters
        ("ΣΩΚΡΆΤΗΣ Παπάς", "σωκράτησ παπάσ"),  # final sigma folds like any sigma
        ("Elodie Durand", "elodie durand"),  # accents are not case: they stay
        ("Élodie", ""),
        ("", ""),
    ],
)
def test_the_key_folds_case_and_spacing_not_accents(name: str, key: str) -> None:
    assert name_key(name) == unicodedata.normalize("NFC", key)


def test_names_in_any_case_match_on_this_database(admin: User, webform_inbox: Inbox) -> None:
    upper = writes_in(webform_inbox, "email", "a@example.com", "ÉLODIE DURAND").customer
    lower = writes_in(webform_inbox, "email", "b@example.com", "élodie durand").customer
    writes_in(webform_inbox, "email", "c@example.com", "Elodie Durand")  # not the same name
    sharp = writes_in(webform_inbox, "email", "d@example.com", "Jürgen Straße").customer
    caps = writes_in(webform_inbox, "email", "e@example.com", "JÜRGEN STRASSE").customer

    found = duplicates_of(admin, access_customer(admin, upper.pk))

    assert [(d.customer.pk, d.reasons) for d in found] == [(lower.pk, ("name",))]
    pairs = [(p.newer.pk, p.older.pk) for p in possible_duplicates(admin).pairs]
    assert pairs == [(caps.pk, sharp.pk), (lower.pk, upper.pk)]


def test_every_way_a_name_changes_keeps_its_key(admin: User, webform_inbox: Inbox) -> None:
    customer = writes_in(webform_inbox, "email", "a@example.com", "Ana Silva").customer
    assert Customer.objects.get(pk=customer.pk).name_key == "ana silva"

    update_customer(actor=admin, customer=customer, name="ÉLODIE DURAND")
    assert Customer.objects.get(pk=customer.pk).name_key == "élodie durand"

    visitor = writes_in(webform_inbox, "visitor", "v-1").customer
    set_contact_details(customer=visitor, name="Noor  Haddad", overwrite=True)
    assert Customer.objects.get(pk=visitor.pk).name_key == "noor haddad"

    nameless = writes_in(webform_inbox, "visitor", "v-2").customer
    merge_customers(actor=admin, keep=nameless, absorb=visitor)
    assert Customer.objects.get(pk=nameless.pk).name_key == "noor haddad"

    made = Customer.objects.bulk_create([Customer(name="Zoë  Zhang")])
    assert Customer.objects.get(pk=made[0].pk).name_key == "zoë zhang"


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_key_of_existing_customers() -> None:
    before = [("customers", "0005_custpolish_not_the_same_person")]
    after = [("customers", "0006_custpolish_name_key")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("customers", "Customer")
    ids = [old.objects.create(name=name).pk for name in ("ÉLODIE  Durand", "Élodie", "")]

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("customers", "Customer")

    keys = dict(new.objects.filter(pk__in=ids).values_list("pk", "name_key"))
    assert [keys[pk] for pk in ids] == ["élodie durand", "", ""]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
