"""Placeholders: known names are filled with plain text, everything else stays inert."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapport.replies.placeholders import (
    PLACEHOLDERS,
    example_values,
    fill,
    fill_canned_reply,
    unknown_placeholders,
    values_for,
)
from tests.factories import UserFactory

VALUES = {
    "customer.name": "Carol Customer",
    "customer.first_name": "Carol",
    "agent.name": "Maria Agent",
    "conversation.number": "42",
}


def test_known_placeholders_are_filled_with_or_without_spaces():
    filled = fill(
        "Hi {{ customer.first_name }}, #{{conversation.number}} — {{  agent.name }}", VALUES
    )

    assert filled.text == "Hi Carol, #42 — Maria Agent"
    assert filled.unknown == []


def test_names_are_not_case_sensitive():
    assert fill("Hi {{ Customer.First_Name }}", VALUES).text == "Hi Carol"


def test_a_missing_name_falls_back_to_there_and_other_missing_values_to_nothing():
    filled = fill("Hi {{ customer.first_name }}, ({{ customer.company }}) {{ customer.name }}", {})

    assert filled.text == "Hi there, () there"


def test_unknown_placeholders_are_left_as_written_and_reported():
    filled = fill("Hi {{ customer.nickname }} and {{ customer.name|upper }}", VALUES)

    assert filled.text == "Hi {{ customer.nickname }} and {{ customer.name|upper }}"
    assert filled.unknown == ["{{ customer.nickname }}", "{{ customer.name|upper }}"]


@pytest.mark.parametrize(
    "attempt",
    [
        "{{ settings.SECRET_KEY }}",
        "{{ request.user.password }}",
        "{{ customer.__class__.__mro__ }}",
        "{{ conversation.customer.identities.all }}",
        "{% load log %}{% get_admin_log 10 as log %}{{ log }}",
        "{% debug %}",
        "{% include 'base.html' %}",
        "{{ agent.name }}{% if 1 %}yes{% endif %}",
    ],
)
def test_template_syntax_is_inert_text(attempt, settings):
    filled = fill(attempt, VALUES)

    assert settings.SECRET_KEY not in filled.text
    # Only a whitelisted name is ever replaced; every other character stays as written.
    assert filled.text == attempt.replace("{{ agent.name }}", "Maria Agent")


def test_a_value_that_looks_like_a_placeholder_is_not_filled_again():
    values = VALUES | {"customer.first_name": "{{ agent.name }}"}

    filled = fill("Hi {{ customer.first_name }}", values)

    assert filled.text == "Hi {{ agent.name }}"
    assert filled.unknown == []


def test_values_are_plain_text_not_html():
    values = VALUES | {"customer.first_name": "<b>Carol</b> & co"}

    assert fill("Hi {{ customer.first_name }}", values).text == "Hi <b>Carol</b> & co"


def test_an_unclosed_placeholder_does_not_swallow_the_text():
    text = "Hi {{ customer.first_name\nSee {{ agent.name }}"

    assert fill(text, VALUES).text == "Hi {{ customer.first_name\nSee Maria Agent"


def test_unknown_placeholders_are_listed_once_each():
    assert unknown_placeholders("{{ a }} {{ a }} {{ customer.name }} {{ b.c }}") == [
        "{{ a }}",
        "{{ b.c }}",
    ]


@given(st.text(max_size=300))
def test_any_text_without_known_names_comes_back_unchanged(text):
    known = any(placeholder.name in text.lower() for placeholder in PLACEHOLDERS)
    if not known:
        assert fill(text, VALUES).text == text


def test_values_come_from_the_conversation_and_the_agent(conversation):
    agent = UserFactory(name="Maria Agent")

    values = values_for(conversation, agent)

    assert values == {
        "customer.name": "Carol Customer",
        "customer.first_name": "Carol",
        "customer.email": "carol@mail.example",
        "customer.company": "Scarves & Co",
        "agent.name": "Maria Agent",
        "agent.first_name": "Maria",
        "conversation.number": str(conversation.pk),
        "conversation.subject": "Where is my order?",
        "inbox.name": "Support",
    }
    assert set(values) == {placeholder.name for placeholder in PLACEHOLDERS}


def test_a_customer_without_a_name_is_greeted_as_there(conversation):
    conversation.customer.name = ""
    agent = UserFactory(name="", email="maria@shop.example")

    filled = fill_canned_reply(
        "Hi {{ customer.first_name }}, {{ agent.first_name }} here.", conversation, agent
    )

    assert filled.text == "Hi there, maria here."


def test_the_preview_uses_an_example_customer_and_the_real_agent(db):
    agent = UserFactory(name="Owen Admin")

    values = example_values(agent)

    assert values["customer.first_name"] == "Carol"
    assert values["agent.name"] == "Owen Admin"
    assert values["agent.first_name"] == "Owen"
