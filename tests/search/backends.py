"""Run one set of searches on whichever database ``DATABASE_URL`` names and print the
results as JSON: ``test_same_results.py`` runs it on SQLite and on PostgreSQL and compares.

A process per database, because Django holds one ``default`` connection per process.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.config.test_settings")

import django

django.setup()

from django.test.utils import setup_databases, teardown_databases  # noqa: E402

QUERIES = [
    "refund",
    "refun",
    "re",
    "ref",
    "ca",
    "REFUND",
    "crème",
    "creme brulee",
    "strasse",
    "straße",
    '"double charge"',
    '"double charge" -invoice',
    "double -invoice",
    "order-1234",
    "jane@example.com",
    "from:jane",
    "from:jane@example.com",
    "to:jane",
    "from:ada",
    "tag:billing",
    "refund tag:billing",
    "refund -tag:billing",
    "status:open refund",
    "channel:webform",
    "channel:api",
    "inbox:Support refund",
    "assignee:none refund",
    "after:2000-01-01 refund",
    "before:2000-01-01 refund",
    "parcel",
    "parc",
    "1234",
    "naïve café",
    "cafe",
    "kettle",
    "kettle supplier",
    '"kettle supplier"',
    "zzzzz",
    "über",
    "uber",
    "Ünïcödé",
    "日本",
    "emoji 😀 only",
    "a",
    "é",
]
CUSTOMER_QUERIES = [
    "jurgen",
    "weiß",
    "+49 151 12345678",
    "0049 151 12345678",
    "0151 12345678",
    "juergen@example.de",
    "example",
    "jane",
    "doe",
    "+44",
    "15112",
]
TEXTS = [
    ("jane@example.com", "Jane Doe", "I want a refund for order-1234, a double charge"),
    ("jane@example.com", "Jane Doe", "Was it refunded? Invoice attached, double charge"),
    ("max@example.com", "Max Power", "La crème brûlée était froide, naïve café"),
    ("hans@example.com", "Hans Straße", "Die Straße ist gesperrt, über alles"),
    ("kim@example.com", "Kim", "double the order and charge me later"),
    ("yuki@example.com", "Yuki", "日本語のメッセージ parcel 1234"),
    ("ana@example.com", "Ana", "Ünïcödé emoji 😀 only here"),
]


def seed() -> Any:
    from rapport.accounts.models import Role
    from rapport.conversations.actions import add_note, send_reply, set_tags
    from rapport.customers.actions import create_customer
    from rapport.inboxes.models import InboxKind
    from tests.factories import InboxFactory, UserFactory
    from tests.search.helpers import receive

    inbox = InboxFactory(name="Support", kind=InboxKind.WEBFORM)
    admin = UserFactory(email="ada@shop.example", name="Ada Admin", role=Role.ADMIN)
    messages = [receive(inbox, text, email=e, name=n, new=True) for e, n, text in TEXTS]
    set_tags(conversation=messages[0].conversation, actor=admin, names=["billing"])
    send_reply(
        conversation=messages[0].conversation, author=admin, text="Your refund is sent, Jane"
    )
    add_note(conversation=messages[2].conversation, author=admin, text="kettle supplier is slow")
    create_customer(
        actor=admin, name="Jürgen Weiß", email="juergen@example.de", phone="+4915112345678"
    )
    return admin


def run() -> dict[str, Any]:
    from rapport.core.errors import ValidationFailed
    from rapport.search.query import parse
    from rapport.search.selectors import search_customers, search_messages

    admin = seed()
    results: dict[str, Any] = {}
    for text in QUERIES:
        try:
            newest = search_messages(admin, parse(text), limit=50).hits
            best = search_messages(admin, parse(text), limit=50, sort="best").hits
            results[text] = {
                "newest": [(h.message.text, str(h.snippet)) for h in newest],
                "best (as a set)": sorted(h.message.text for h in best),
            }
        except ValidationFailed as refused:
            results[text] = {"refused": refused.message}
    for text in CUSTOMER_QUERIES:
        results[f"customers: {text}"] = [c.name for c in search_customers(admin, text)]
    return results


if __name__ == "__main__":
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        json.dump(run(), sys.stdout, ensure_ascii=False, indent=1)
    finally:
        teardown_databases(databases, verbosity=0)
