"""Search through the actions: words, accents, partial words, operators, phones, notes,
and the index following edits."""

from __future__ import annotations

import pytest

from rapport.accounts.models import User
from rapport.conversations.actions import set_tags
from rapport.core.errors import ValidationFailed
from rapport.customers import actions as customer_actions
from rapport.inboxes.models import Inbox
from rapport.search.query import parse
from rapport.search.selectors import search_messages
from tests.search.helpers import customers_found, found, note, receive, reply

pytestmark = pytest.mark.django_db


def test_accents_fold_both_ways(admin: User, webform_inbox: Inbox):
    receive(webform_inbox, "La crème brûlée était froide")
    receive(webform_inbox, "Die Straße ist gesperrt", email="hans@example.com")

    assert found(admin, "creme brulee") == ["La crème brûlée était froide"]
    assert found(admin, "CRÈME") == ["La crème brûlée était froide"]
    assert found(admin, "strasse") == ["Die Straße ist gesperrt"]


def test_a_word_finds_longer_words_it_starts(admin: User, webform_inbox: Inbox):
    receive(webform_inbox, "I want a refund for the blender")
    receive(webform_inbox, "Was it refunded yet?", email="bob@example.com")
    receive(webform_inbox, "Nothing about money here", email="cy@example.com")

    assert found(admin, "refun") == ["Was it refunded yet?", "I want a refund for the blender"]


def test_exact_phrase_and_excluded_words(admin: User, webform_inbox: Inbox):
    receive(webform_inbox, "I was charged twice, a double charge", email="a@example.com")
    receive(webform_inbox, "double the order, charge me later", email="b@example.com")
    receive(webform_inbox, "double charge again, invoice attached", email="c@example.com")

    assert found(admin, '"double charge"') == [
        "double charge again, invoice attached",
        "I was charged twice, a double charge",
    ]
    assert found(admin, '"double charge" -invoice') == ["I was charged twice, a double charge"]
    assert found(admin, "double -invoice") == [
        "double the order, charge me later",
        "I was charged twice, a double charge",
    ]


def test_from_and_to(admin: User, webform_inbox: Inbox):
    first = receive(webform_inbox, "Where is my parcel?", email="jane@example.com")
    receive(webform_inbox, "My parcel is late", email="max@example.com", name="Max Power")
    reply(first, admin, "Your parcel left today")

    assert found(admin, "parcel from:jane@example.com") == ["Where is my parcel?"]
    assert found(admin, "parcel from:max") == ["My parcel is late"]
    assert found(admin, "parcel to:jane") == ["Your parcel left today"]
    assert found(admin, "parcel from:ada") == ["Your parcel left today"]  # the agent's name


def test_tag_status_channel_inbox_and_dates(admin: User, webform_inbox: Inbox, api_inbox: Inbox):
    tagged = receive(webform_inbox, "Invoice question one", email="a@example.com")
    receive(webform_inbox, "Invoice question two", email="b@example.com")
    set_tags(conversation=tagged.conversation, actor=admin, names=["billing"])

    assert found(admin, "invoice tag:billing") == ["Invoice question one"]
    assert found(admin, "invoice -tag:billing") == ["Invoice question two"]
    assert found(admin, "tag:billing") == ["Invoice question one"]  # a filter alone
    assert found(admin, "invoice status:resolved") == []
    assert found(admin, "invoice channel:api") == []
    assert found(admin, "invoice inbox:support channel:webform") == [
        "Invoice question two",
        "Invoice question one",
    ]
    assert found(admin, "invoice after:2000-01-01 before:2000-01-02") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("status:asleep", "status: is one of"),
        ("inbox:Nowhere", "no inbox you can see is called 'Nowhere'"),
        ("after:yesterday", "YYYY-MM-DD"),
        ("x" * 10_000, "10,000 characters long"),
        ("!!! 😀", "nothing to search for"),
        ('from:""', "from: needs a value"),
    ],
)
def test_what_cannot_be_searched_says_why(admin: User, webform_inbox: Inbox, text, message):
    with pytest.raises(ValidationFailed, match=message):
        found(admin, text)


def test_search_syntax_of_either_database_is_just_text(admin: User, webform_inbox: Inbox):
    receive(webform_inbox, "NEAR(a b) OR NOT c* AND d:* & !e <-> f")

    for text in ["NEAR(a b)", '"OR" NOT', "c* AND", "d:* & !e", "<-> f", '"', "'", "\\", "a\x00b"]:
        try:
            found(admin, text)  # results, or a message; never a database error
        except ValidationFailed as refused:
            refusal = str(refused)
        else:
            refusal = "nothing to search for"
        assert refusal.startswith("nothing to search for")
    assert found(admin, "NEAR OR NOT") == ["NEAR(a b) OR NOT c* AND d:* & !e <-> f"]


def test_newest_first_pages_by_keyset(admin: User, webform_inbox: Inbox):
    for n in range(5):
        receive(webform_inbox, f"lamp number {n}", email=f"c{n}@example.com")

    first = search_messages(admin, parse("lamp"), limit=2)
    second = search_messages(admin, parse("lamp"), limit=2, cursor=first.next_cursor)
    third = search_messages(admin, parse("lamp"), limit=2, cursor=second.next_cursor)

    pages = [[h.message.text[-1] for h in p.hits] for p in (first, second, third)]
    assert pages == [["4", "3"], ["2", "1"], ["0"]]
    assert third.next_cursor is None


def test_best_match_puts_the_most_relevant_first(admin: User, webform_inbox: Inbox):
    receive(webform_inbox, "lamp lamp lamp, the lamp is broken", email="a@example.com")
    receive(
        webform_inbox,
        "a long message that mentions a lamp once among many other words",
        email="b@example.com",
    )

    assert found(admin, "lamp", sort="best")[0] == "lamp lamp lamp, the lamp is broken"
    assert found(admin, "lamp")[0].startswith("a long message")


def test_snippet_marks_the_matching_words_and_escapes(admin: User, webform_inbox: Inbox):
    receive(webform_inbox, "<b>Hello</b> my Crème order #12 never came")

    (hit,) = search_messages(admin, parse("creme")).hits
    assert hit.snippet == "&lt;b&gt;Hello&lt;/b&gt; my <mark>Crème</mark> order #12 never came"


def test_notes_are_found_by_staff_but_left_out_for_customers(admin: User, webform_inbox: Inbox):
    message = receive(webform_inbox, "Broken kettle")
    note(message, admin, "kettle supplier is slow, escalate")

    # One conversation: shown by its newest match, which for a customer is not the note.
    assert found(admin, "kettle") == ["kettle supplier is slow, escalate"]
    assert found(admin, "kettle", include_notes=False) == ["Broken kettle"]


def test_customers_by_name_email_and_phone_in_any_format(admin: User, webform_inbox: Inbox):
    customer = customer_actions.create_customer(
        actor=admin, name="Jürgen Weiß", email="juergen@example.de", phone="+49 151 12345678"
    )

    for text in [
        "jurgen",
        "weiss",
        "juergen@example.de",
        "example.de",
        "+49 151 12345678",
        "+4915112345678",
        "0049 151 1234 5678",
        "0151 12345678",
        "(0151) 123-456",
        "15112345678",
    ]:
        assert customers_found(admin, text) == [customer.name], text
    assert customers_found(admin, "+44 20 7946 0958") == []


def test_customer_edits_and_identity_changes_move_the_index(admin: User, webform_inbox: Inbox):
    customer = customer_actions.create_customer(actor=admin, name="Old Name", email="o@example.com")

    customer_actions.update_customer(actor=admin, customer=customer, name="Nina New")
    identity = customer_actions.add_identity(
        actor=admin, customer=customer, kind="email", address="nina@work.example"
    )
    assert customers_found(admin, "old") == []
    assert customers_found(admin, "nina new") == ["Nina New"]
    assert customers_found(admin, "work.example") == ["Nina New"]

    customer_actions.remove_identity(actor=admin, identity=identity)
    assert customers_found(admin, "work.example") == []


def test_a_prefix_finds_the_same_however_many_words_it_starts(admin: User, webform_inbox: Inbox):
    # On SQLite up to 64 words are searched one by one, more by FTS5's prefix query.
    few = " ".join(f"widget{n}" for n in range(3))
    many = " ".join(f"gadget{n}" for n in range(70))
    receive(webform_inbox, few, email="few@example.com")
    receive(webform_inbox, many, email="many@example.com")

    assert found(admin, "widg") == [few]
    assert found(admin, "widget") == [few]
    assert found(admin, "widget1") == [few]
    assert found(admin, "gadget") == [many]
    assert found(admin, "gadget69") == [many]
    assert found(admin, "gadgets") == []


def test_narrow_filters_lead_when_the_words_are_common(
    admin: User, webform_inbox: Inbox, monkeypatch: pytest.MonkeyPatch
):
    # Only the 2 newest messages with the words are filtered; then the filters lead.
    monkeypatch.setattr("rapport.search.selectors.CANDIDATES", 2)
    receive(webform_inbox, "lamp one from jane", email="jane@example.com", new=True)
    for n in range(4):
        receive(webform_inbox, f"lamp other {n}", email=f"o{n}@example.com", name=f"Other {n}")
    receive(webform_inbox, "lamp two from jane", email="jane@example.com", new=True)
    receive(webform_inbox, "lamp last", email="z@example.com", name="Zed")

    assert found(admin, "lamp from:jane") == ["lamp two from jane", "lamp one from jane"]
    page = search_messages(admin, parse("lamp from:jane"), limit=1)
    rest = search_messages(admin, parse("lamp from:jane"), limit=1, cursor=page.next_cursor)
    assert [h.message.text for h in rest.hits] == ["lamp one from jane"]
    assert found(admin, "lamp -jane from:jane") == []


def test_a_conversation_is_one_result_shown_by_its_newest_match(admin: User, webform_inbox: Inbox):
    a1 = receive(webform_inbox, "lamp a1", email="a@example.com", new=True)
    receive(webform_inbox, "lamp b1", email="b@example.com", new=True)
    reply(a1, admin, "lamp a2")
    receive(webform_inbox, "lamp c1", email="c@example.com", new=True)

    assert found(admin, "lamp") == ["lamp c1", "lamp a2", "lamp b1"]
    pages, cursor = [], None
    for _ in range(4):
        page = search_messages(admin, parse("lamp"), limit=1, cursor=cursor)
        pages.append([hit.message.text for hit in page.hits])
        cursor = page.next_cursor
        if cursor is None:
            break
    # A's older match (a1) is below the cursor of page 2, but A was shown already.
    assert pages == [["lamp c1"], ["lamp a2"], ["lamp b1"]]


def test_best_match_shows_a_conversation_once_by_its_best_message(
    admin: User, webform_inbox: Inbox
):
    best = receive(webform_inbox, "lamp lamp lamp, the lamp again", email="a@example.com")
    reply(best, admin, "a reply that says lamp once among many other words here")
    receive(webform_inbox, "one lamp in a longer message of words", email="b@example.com")

    assert found(admin, "lamp", sort="best") == [
        "lamp lamp lamp, the lamp again",
        "one lamp in a longer message of words",
    ]


def test_a_number_is_found_by_its_first_digits(admin: User, webform_inbox: Inbox):
    # Words starting with a digit are not in the word list: FTS5's prefix query finds them.
    receive(webform_inbox, "order 104233 is late", email="a@example.com")
    receive(webform_inbox, "order 2026-104 too", email="b@example.com")

    assert found(admin, "10423") == ["order 104233 is late"]
    assert found(admin, "104") == ["order 2026-104 too", "order 104233 is late"]
    assert found(admin, "2026 104") == ["order 2026-104 too"]


def test_conversations_are_gathered_across_batches(
    admin: User, webform_inbox: Inbox, monkeypatch: pytest.MonkeyPatch
):
    # Matches are read 2 at a time: a conversation with many matches fills batches alone.
    monkeypatch.setattr("rapport.search.selectors.WALK_BATCH", 2)
    older = receive(webform_inbox, "lamp older", email="o@example.com", new=True)
    busy = receive(webform_inbox, "lamp busy 0", email="b@example.com", new=True)
    for n in range(1, 5):
        reply(busy, admin, f"lamp busy {n}")
    reply(older, admin, "no match here")

    assert found(admin, "lamp") == ["lamp busy 4", "lamp older"]
    page = search_messages(admin, parse("lamp"), limit=1)
    rest = search_messages(admin, parse("lamp"), limit=1, cursor=page.next_cursor)
    assert [h.message.text for h in rest.hits] == ["lamp older"]
    assert rest.next_cursor is None


def _every_page(user: User, text: str) -> list[str]:
    texts, cursor = [], None
    for _ in range(20):
        page = search_messages(user, parse(text), limit=2, cursor=cursor)
        texts += [hit.message.text for hit in page.hits]
        cursor = page.next_cursor
        if cursor is None:
            return texts
    raise AssertionError("the pages did not end")


@pytest.mark.parametrize("first_window_part", [1, 10**12], ids=["all ids", "one id"])
def test_matches_read_in_small_pieces_give_every_page_right(
    admin: User, webform_inbox: Inbox, monkeypatch: pytest.MonkeyPatch, first_window_part: int
):
    # Newest first reads the words' matches in pieces — on PostgreSQL in widening windows
    # of ids (here the first is every id, read 2 at a time, or one id), at most 5 before
    # the filters lead. Every page must still hold the right conversations, in order.
    monkeypatch.setattr("rapport.search.selectors.WALK_BATCH", 2)
    monkeypatch.setattr("rapport.search.selectors.CANDIDATES", 5)
    monkeypatch.setattr("rapport.search.selectors.FIRST_WINDOW_PART", first_window_part)
    for n in range(14):
        word = "chair" if n % 3 == 0 else "lamp"
        email = "jane@example.com" if n % 2 else f"c{n}@example.com"
        receive(webform_inbox, f"{word} {n}", email=email, name=f"C {n}", new=True)
    newest_first = list(reversed(range(14)))

    assert _every_page(admin, "lamp") == [f"lamp {n}" for n in newest_first if n % 3]
    assert _every_page(admin, "chair") == [f"chair {n}" for n in newest_first if n % 3 == 0]
    assert _every_page(admin, "lamp from:jane") == [
        f"lamp {n}" for n in newest_first if n % 3 and n % 2
    ]
    assert _every_page(admin, "zyxwvutq") == []
