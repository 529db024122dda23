"""Planning one demo conversation: its status, its messages and their times.

This module decides *what happened* in plain data; ``loader`` turns the plans into rows.
Times are consistent with what the actions would have written: ``waiting_since`` is the
first customer message we have not answered, ``first_response_at`` our first reply,
``resolved_at`` comes after the last message, and only the latest conversation of a
customer in an inbox may still be unresolved (a new message would have continued it).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rapport.demo.topics import CHASERS, HOLDING_REPLIES, PLAIN_NOTES, SIGNOFFS, THANKS, Topic

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


@dataclass
class PlannedMessage:
    direction: str  # "in", "out" or "note", as in conversations.Direction
    text: str
    at: datetime
    author: str | None = None  # a staff handle; None for the customer
    mentions: tuple[str, ...] = ()


@dataclass
class PlannedConversation:
    inbox: str
    customer_index: int
    topic: Topic
    created_at: datetime
    deadline: datetime  # everything must happen before this (the next conversation or now)
    latest: bool  # the customer's latest conversation in this inbox
    context: dict[str, str] = field(default_factory=dict)
    variant: int = 0  # which of the topic's lines this thread follows
    subject: str = ""
    status: str = "open"
    assignee: str | None = None
    team: str | None = None
    priority: int = 0
    tags: list[str] = field(default_factory=list)
    messages: list[PlannedMessage] = field(default_factory=list)
    snoozed_until: datetime | None = None
    resolved_at: datetime | None = None
    failed_send: bool = False  # our last reply bounced


class SafeDict(dict[str, str]):
    """Formatting context that leaves unknown placeholders visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, context: dict[str, str]) -> str:
    return template.format_map(SafeDict(context))


def choose_status(rng: random.Random, age: timedelta, latest: bool) -> str:
    """Older conversations are mostly done; this week's are still being worked on."""
    if not latest:
        return "resolved"
    if age < timedelta(days=3):
        weights = (45, 25, 5, 25)
    elif age < timedelta(days=14):
        weights = (10, 15, 5, 70)
    else:
        weights = (2, 3, 0, 95)
    return rng.choices(("open", "pending", "snoozed", "resolved"), weights)[0]


def shape_for(rng: random.Random, status: str) -> list[str]:
    """The sequence of steps a conversation with this outcome went through."""
    if status == "open":
        return rng.choice(
            [
                ["in"],
                ["in"],
                ["in", "chase"],
                ["in", "out", "in2"],
                ["in", "out", "in2"],
                ["in", "hold"],
            ]
        )
    if status == "pending":
        return rng.choice([["in", "out"], ["in", "out", "in2", "out2"]])
    if status == "snoozed":
        return ["in", "hold"]
    return rng.choice(
        [
            ["in", "out", "thanks"],
            ["in", "out"],
            ["in", "out", "in2", "out2", "thanks"],
            ["in", "out", "in2", "out2"],
            ["in", "chase", "out", "thanks"],
        ]
    )


def gap_before(rng: random.Random, step: str) -> timedelta:
    """How long after the previous message a step happens, before fitting to the deadline."""
    if step in ("out", "out2", "hold"):
        # Most replies come within hours; some wait overnight or over a weekend.
        return rng.choice([15, 40, 90, 180, 360, 900, 1500, 2800]) * MINUTE * rng.uniform(0.5, 1.5)
    if step == "chase":
        return rng.uniform(18, 50) * HOUR
    if step == "thanks":
        return rng.uniform(0.2, 20) * HOUR
    return rng.uniform(1, 40) * HOUR  # the customer's second message


def step_text(rng: random.Random, topic: Topic, step: str, variant: int) -> str:
    """The text of a step. A topic's own lines follow one variant through the thread, so
    the answer fits the question (a locked account is unlocked, not sent a reset link)."""
    script: dict[str, tuple[str, ...]] = {
        "in": topic.openings,
        "out": topic.replies,
        "in2": topic.followups,
        "out2": topic.answers,
    }
    if step in script:
        return pick(script[step], variant)
    shared = {"chase": CHASERS, "thanks": THANKS, "hold": HOLDING_REPLIES}
    return rng.choice(shared[step])


def pick(lines: tuple[str, ...], variant: int) -> str:
    return lines[variant % len(lines)]


def times_for(
    rng: random.Random, steps: list[str], start: datetime, deadline: datetime
) -> list[datetime]:
    """Message times from ``start``, squeezed to end before ``deadline`` when needed."""
    offsets = [timedelta(0)]
    for step in steps[1:]:
        offsets.append(offsets[-1] + gap_before(rng, step))
    room = (deadline - start) * 0.9
    if offsets[-1] > room:
        scale = room / offsets[-1]
        offsets = [offset * scale for offset in offsets]
    return [start + offset for offset in offsets]


def sign(rng: random.Random, text: str, agent_first_name: str) -> str:
    return f"{text}\n\n{rng.choice(SIGNOFFS)}\n{agent_first_name}"


def write_messages(
    rng: random.Random,
    plan: PlannedConversation,
    steps: list[str],
    agent_first_name: str,
) -> None:
    """Turn the steps into messages, written by the customer or by ``plan.assignee``."""
    context = {**plan.context, "agent": agent_first_name}
    for step, at in zip(steps, times_for(rng, steps, plan.created_at, plan.deadline), strict=True):
        text = fill(step_text(rng, plan.topic, step, plan.variant), context)
        if step in ("out", "out2", "hold"):
            plan.messages.append(
                PlannedMessage("out", sign(rng, text, agent_first_name), at, plan.assignee)
            )
        else:
            if step == "in" and rng.random() < 0.4:
                text = f"{text}\n\n{context['first']}"
            plan.messages.append(PlannedMessage("in", text, at))


def add_note(
    rng: random.Random, plan: PlannedConversation, author: str, mention: str | None
) -> None:
    """An internal note shortly after the first message, optionally mentioning a colleague."""
    first = plan.messages[0].at
    after = plan.messages[1].at if len(plan.messages) > 1 else plan.deadline
    at = first + (min(after, plan.deadline) - first) * rng.uniform(0.2, 0.8)
    if mention:
        note = pick(plan.topic.notes, plan.variant)
        text = fill(note, {**plan.context, "mention": f"@{mention}"})
    else:
        quiet = [note for note in plan.topic.notes if "{mention}" not in note] or list(PLAIN_NOTES)
        text = fill(rng.choice(quiet), plan.context)
    plan.messages.append(
        PlannedMessage("note", text, at, author, (mention,) if mention and mention in text else ())
    )
    plan.messages.sort(key=lambda message: message.at)


def finish(rng: random.Random, plan: PlannedConversation, now: datetime) -> None:
    """Set the status timestamps from the messages."""
    last = max(message.at for message in plan.messages)
    if plan.status == "resolved":
        room = min(plan.deadline, now) - last
        plan.resolved_at = last + min(rng.uniform(1, 240) * MINUTE, room * 0.5)
    if plan.status == "snoozed":
        plan.snoozed_until = now + rng.uniform(1, 7) * timedelta(days=1)


def waiting_since(messages: list[PlannedMessage], status: str) -> datetime | None:
    """The first customer message after our last reply, while the conversation is open."""
    if status != "open":
        return None
    waiting: datetime | None = None
    for message in messages:
        if message.direction == "out":
            waiting = None
        elif message.direction == "in" and waiting is None:
            waiting = message.at
    return waiting


def first_response(messages: list[PlannedMessage]) -> datetime | None:
    return next((m.at for m in messages if m.direction == "out"), None)


def last_of(messages: list[PlannedMessage], *directions: str) -> PlannedMessage | None:
    return next((m for m in reversed(messages) if m.direction in directions), None)
