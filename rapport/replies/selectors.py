"""Reads: which canned replies someone may see, and which a conversation is offered.

What an agent may not see answers "not found", as everywhere in Rapport: a canned reply
of an inbox they are not in does not exist for them.
"""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from rapport.accounts.models import Role, User
from rapport.conversations.models import Conversation
from rapport.core.errors import NotFound
from rapport.inboxes.selectors import visible_inbox_ids
from rapport.replies.models import CannedReply

MANAGERS = {Role.ADMIN, Role.SUPERVISOR}


def may_manage(user: User) -> bool:
    """Admins and supervisors write canned replies; everyone else only uses them."""
    return user.role in MANAGERS


def visible_canned_replies(user: User) -> QuerySet[CannedReply]:
    """Replies of all inboxes, and those of the inboxes ``user`` sees."""
    replies = CannedReply.objects.select_related("inbox")
    if user.sees_all_inboxes:
        return replies
    return replies.filter(Q(inbox__isnull=True) | Q(inbox_id__in=visible_inbox_ids(user)))


def offered_canned_replies(conversation: Conversation) -> QuerySet[CannedReply]:
    """What the reply box of ``conversation`` offers: its inbox's replies and everyone's.

    No check of the user here: whoever may open the conversation may use its inbox's
    replies (``access_conversation`` has already decided that).
    """
    scope = Q(inbox__isnull=True) | Q(inbox_id=conversation.inbox_id)
    return CannedReply.objects.filter(scope).select_related("inbox")


def access_canned_reply(user: User, reply_id: int) -> CannedReply:
    """The canned reply if ``user`` may see it; otherwise NotFound, whether or not it exists."""
    reply = visible_canned_replies(user).filter(pk=reply_id).first()
    if reply is None:
        raise NotFound(f"canned reply {reply_id} not found")
    return reply


def access_offered_reply(conversation: Conversation, reply_id: int) -> CannedReply:
    """A canned reply ``conversation`` is offered; another inbox's reply is "not found"."""
    reply = offered_canned_replies(conversation).filter(pk=reply_id).first()
    if reply is None:
        raise NotFound(f"canned reply {reply_id} not found in this conversation's inbox")
    return reply


def search_canned_replies(user: User, query: str = "") -> QuerySet[CannedReply]:
    """The settings list: replies ``user`` may see whose shortcut, title, text or inbox
    contains ``query``; those for all inboxes first, then by inbox and shortcut."""
    replies = visible_canned_replies(user)
    if query:
        words = query.removeprefix("/")
        replies = replies.filter(
            Q(shortcut__icontains=words)
            | Q(title__icontains=words)
            | Q(text__icontains=words)
            | Q(inbox__name__icontains=words)
        )
    return replies.order_by(F("inbox__name").asc(nulls_first=True), "shortcut", "id")
