"""Personalisation: ``{{ customer.first_name }}`` in a canned reply, filled for one conversation.

Canned replies are written by staff but filled with what customers typed (their names), so
this is deliberately not Django's template engine: a template can reach settings, load tag
libraries and call methods. Here a regex finds ``{{ name }}``, and only the names listed in
``PLACEHOLDERS`` are replaced, in one pass (a customer called "{{ agent.name }}" stays that),
with plain text. Anything else between ``{{`` and ``}}`` is left as written and reported, so
the agent sees it before sending; ``{% ... %}`` is just text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from rapport.accounts.models import User
from rapport.conversations.models import Conversation

# Bounded and on one line, so a stray "{{" cannot swallow the rest of a long reply.
PLACEHOLDER = re.compile(r"\{\{([^{}\n]{0,80})\}\}")


@dataclass(frozen=True)
class Placeholder:
    """One name a canned reply may use; ``fallback`` stands in when the value is unknown."""

    name: str
    meaning: str
    example: str
    fallback: str = ""

    @property
    def tag(self) -> str:
        """As written in a canned reply: ``{{ customer.name }}``."""
        return f"{{{{ {self.name} }}}}"


# The fallbacks keep a greeting readable: "Hi {{ customer.first_name }}," becomes
# "Hi there," for a customer who left no name, never "Hi ," or "Hi carol@mail.example,".
PLACEHOLDERS = (
    Placeholder("customer.name", "the customer's full name", "Carol Jones", "there"),
    Placeholder("customer.first_name", "the first word of their name", "Carol", "there"),
    Placeholder("customer.email", "their e-mail address", "carol@example.com"),
    Placeholder("customer.company", "their company's name", "Scarves & Co"),
    Placeholder("agent.name", "your name (the agent inserting it)", "Maya Patel"),
    Placeholder("agent.first_name", "your first name", "Maya"),
    Placeholder("conversation.number", "the conversation's number, without #", "1042"),
    Placeholder("conversation.subject", "the conversation's subject", "Where is my order?"),
    Placeholder("inbox.name", "the inbox the conversation is in", "Support"),
)
KNOWN = {placeholder.name: placeholder for placeholder in PLACEHOLDERS}


@dataclass(frozen=True)
class Filled:
    """The text to insert, and the placeholders it left as written (unknown names)."""

    text: str
    unknown: list[str] = field(default_factory=list)


def fill(text: str, values: Mapping[str, str]) -> Filled:
    """Replace each known ``{{ name }}`` with ``values[name]`` or its fallback, once."""
    unknown: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1).strip().lower()
        if name not in KNOWN:
            unknown.append(match.group(0))
            return match.group(0)
        return values.get(name) or KNOWN[name].fallback

    return Filled(PLACEHOLDER.sub(replace, text), unknown)


def unknown_placeholders(text: str) -> list[str]:
    """The ``{{ ... }}`` in ``text`` that are not known names, as written, without repeats."""
    return list(dict.fromkeys(fill(text, {}).unknown))


def first_name(name: str) -> str:
    words = name.split()
    return words[0] if words else ""


def values_for(conversation: Conversation, agent: User) -> dict[str, str]:
    """What each placeholder means in ``conversation`` when ``agent`` inserts the reply.

    Reads only what ``access_conversation`` already joined (customer, company, inbox).
    """
    customer = conversation.customer
    agent_name = agent.name.strip() or agent.email.split("@")[0]
    return {
        "customer.name": customer.name.strip(),
        "customer.first_name": first_name(customer.name),
        "customer.email": customer.email,
        "customer.company": customer.company.name if customer.company else "",
        "agent.name": agent_name,
        "agent.first_name": first_name(agent_name),
        "conversation.number": str(conversation.pk),
        "conversation.subject": conversation.subject,
        "inbox.name": conversation.inbox.name,
    }


def example_values(agent: User) -> dict[str, str]:
    """For the preview in the settings: made-up customer details, the real agent's name."""
    values = {placeholder.name: placeholder.example for placeholder in PLACEHOLDERS}
    agent_name = agent.name.strip() or agent.email.split("@")[0]
    return values | {"agent.name": agent_name, "agent.first_name": first_name(agent_name)}


def fill_canned_reply(text: str, conversation: Conversation, agent: User) -> Filled:
    """A canned reply's ``text`` as ``agent`` inserts it into ``conversation``."""
    return fill(text, values_for(conversation, agent))
