"""Finding the staff members an internal note mentions.

A mention is ``@`` followed by the part of a staff member's e-mail address before the
``@`` (``@maria`` for maria@shop.example) or by the whole address. The composer offers
these handles as you type, so nobody has to remember them.
"""

from __future__ import annotations

import re

from django.db.models import Q

from rapport.accounts.models import User

MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9._%+-]+(?:@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?)")


def handles_in(text: str) -> set[str]:
    return {match.lower().rstrip(".") for match in MENTION.findall(text)}


def mentioned_users(text: str) -> list[User]:
    handles = handles_in(text)
    if not handles:
        return []
    query = Q()
    for handle in handles:
        query |= Q(email__iexact=handle) if "@" in handle else Q(email__istartswith=f"{handle}@")
    return list(User.objects.filter(query, is_active=True))


def handle_of(user: User) -> str:
    return user.email.split("@", 1)[0]
