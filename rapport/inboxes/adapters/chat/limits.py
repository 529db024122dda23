"""Abuse limits on what anonymous visitors may send.

Counted per visitor and per IP address on the shared cache (Redis when scaled out), so a
script hammering one inbox is slowed down whichever process answers it.
"""

from __future__ import annotations

from rapport.core.errors import RateLimited
from rapport.core.ratelimit import Rule, hit_all, seconds_left_in_window

MAX_MESSAGE_CHARS = 5000  # a chat line, not an essay; e-mail takes the long ones
MINUTE = 60
HOUR = 3600

# (scope, limit, window): generous for people, tight for scripts.
# Per IP, messages and conversations are set per inbox (``ChatSettings``).
MESSAGES_PER_VISITOR = (30, MINUTE)
CONVERSATIONS_PER_VISITOR = (5, HOUR)
SESSIONS_PER_IP = (60, HOUR)


def _limited(message: str, window: int) -> RateLimited:
    """The message tells the visitor when to try again; Retry-After tells their browser."""
    return RateLimited(message, retry_after=seconds_left_in_window(window))


def _check(rules: list[Rule], message: str) -> None:
    if not all(hit_all(rules)):
        raise _limited(message, max(window for _key, _limit, window in rules))


def check_message(
    *, visitor_key: str, ip: str, per_ip_minute: int, new_conversation: bool, per_ip_hour: int
) -> None:
    """One message; with ``new_conversation`` it also starts one. Counted in one go."""
    messages: list[Rule] = [
        (f"chat:msg:v:{visitor_key}", *MESSAGES_PER_VISITOR),
        (f"chat:msg:ip:{ip}", per_ip_minute, MINUTE),
    ]
    conversations: list[Rule] = [
        (f"chat:conv:v:{visitor_key}", *CONVERSATIONS_PER_VISITOR),
        (f"chat:conv:ip:{ip}", per_ip_hour, HOUR),
    ]
    within = hit_all(messages + conversations if new_conversation else messages)
    if not all(within[: len(messages)]):
        raise _limited(
            "You are sending messages too quickly. Please wait a minute and try again.", MINUTE
        )
    if not all(within[len(messages) :]):
        raise _limited(
            "You have started too many conversations. Please try again in an hour.", HOUR
        )


def check_new_session(*, ip: str) -> None:
    text = "Too many chats from your network. Please try again in an hour."
    _check([(f"chat:session:ip:{ip}", *SESSIONS_PER_IP)], text)
