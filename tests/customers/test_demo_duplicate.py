"""The demo holds one likely duplicate, so the suggestion shows on first start."""

from __future__ import annotations

from rapport.accounts.models import User
from rapport.customers.duplicates import duplicates_of, possible_duplicates
from rapport.customers.selectors import access_customer
from rapport.demo import load_demo


def test_an_agent_of_the_shop_inboxes_is_offered_the_demo_duplicate(db: None) -> None:
    load_demo()
    maya = User.objects.get(email="maya@rapport.localhost")  # an agent, not an admin

    pairs = possible_duplicates(maya).pairs

    assert [pair.reasons for pair in pairs] == [("phone", "name")]
    [pair] = pairs
    assert pair.newer.name == pair.older.name
    assert pair.newer.email != pair.older.email
    newer = access_customer(maya, pair.newer.pk)
    assert [d.customer.pk for d in duplicates_of(maya, newer)] == [pair.older.pk]
