"""Every write to canned replies. The settings pages and the API call these.

Each action checks that the actor may manage canned replies (admins and supervisors),
runs in one transaction and writes an audit entry next to its change.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from rapport.accounts.models import User
from rapport.core import audit
from rapport.core.errors import Conflict, PermissionDenied, ValidationFailed
from rapport.inboxes.models import Inbox
from rapport.replies.models import SHORTCUT_MAX, TITLE_MAX, CannedReply
from rapport.replies.placeholders import PLACEHOLDERS, unknown_placeholders
from rapport.replies.selectors import may_manage

SHORTCUT = re.compile(rf"[a-z0-9][a-z0-9_-]{{0,{SHORTCUT_MAX - 1}}}")


def check_may_manage(actor: User) -> None:
    if not may_manage(actor):
        raise PermissionDenied("only admins and supervisors can manage canned replies")


def clean_shortcut(shortcut: str) -> str:
    """``/Refund `` → ``refund``: what the agent types after "/" in the reply box."""
    cleaned = shortcut.strip().removeprefix("/").lower()
    if not SHORTCUT.fullmatch(cleaned):
        raise ValidationFailed(
            f"shortcut: use up to {SHORTCUT_MAX} lower-case letters, digits, - and _, "
            "starting with a letter or digit (e.g. refund-policy)"
        )
    return cleaned


def clean_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise ValidationFailed("title: give the canned reply a title agents will recognise")
    if len(title) > TITLE_MAX:
        raise ValidationFailed(f"title: at most {TITLE_MAX} characters")
    return title


def clean_text(text: str) -> str:
    """The reply's text, with its placeholders checked: a misspelt one is caught here."""
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise ValidationFailed("text: write the reply agents will insert")
    if len(text) > settings.RAPPORT_MAX_MESSAGE_CHARS:
        raise ValidationFailed(f"text: at most {settings.RAPPORT_MAX_MESSAGE_CHARS} characters")
    unknown = unknown_placeholders(text)
    if unknown:
        known = ", ".join(placeholder.tag for placeholder in PLACEHOLDERS)
        raise ValidationFailed(f"text: unknown placeholder {', '.join(unknown)}; use {known}")
    return text


def _check_shortcut_free(shortcut: str, inbox: Inbox | None, reply: CannedReply | None) -> None:
    """One shortcut means one reply in any conversation: an inbox's reply may not take the
    shortcut of a reply for all inboxes, nor the other way round."""
    same = CannedReply.objects.filter(shortcut=shortcut).select_related("inbox")
    if inbox is not None:
        same = same.filter(Q(inbox__isnull=True) | Q(inbox=inbox))
    if reply is not None:
        same = same.exclude(pk=reply.pk)
    taken = same.first()
    if taken is not None:
        where = f"in {taken.inbox.name}" if taken.inbox else "for all inboxes"
        raise Conflict(f"shortcut: /{shortcut} is already the canned reply “{taken.title}” {where}")


def _save(reply: CannedReply) -> None:
    try:
        with transaction.atomic():  # a savepoint, so a lost race leaves the outer one usable
            reply.save()
    except IntegrityError:  # another admin saved the same shortcut a moment ago
        raise Conflict(f"shortcut: /{reply.shortcut} was just taken; choose another") from None


def create_canned_reply(
    *, actor: User, shortcut: str, title: str, text: str, inbox: Inbox | None = None
) -> CannedReply:
    """A new canned reply for ``inbox`` (None: every inbox)."""
    check_may_manage(actor)
    reply = CannedReply(
        shortcut=clean_shortcut(shortcut),
        title=clean_title(title),
        text=clean_text(text),
        inbox=inbox,
        created_by=actor,
    )
    with transaction.atomic():
        _check_shortcut_free(reply.shortcut, inbox, None)
        _save(reply)
        audit.record(
            actor=actor,
            verb="canned_reply.created",
            obj=reply,
            shortcut=reply.shortcut,
            inbox=inbox.pk if inbox else None,
        )
    return reply


def update_canned_reply(
    *,
    actor: User,
    reply: CannedReply,
    shortcut: str,
    title: str,
    text: str,
    inbox: Inbox | None,
) -> CannedReply:
    """Change every field of ``reply`` (the API's partial update fills in the others)."""
    check_may_manage(actor)
    # Everything is checked before ``reply`` changes, so a refusal leaves it as it was.
    fields = {
        "shortcut": clean_shortcut(shortcut),
        "title": clean_title(title),
        "text": clean_text(text),
    }
    with transaction.atomic():
        _check_shortcut_free(fields["shortcut"], inbox, reply)
        for name, value in fields.items():
            setattr(reply, name, value)
        reply.inbox = inbox
        _save(reply)
        audit.record(
            actor=actor,
            verb="canned_reply.updated",
            obj=reply,
            shortcut=reply.shortcut,
            inbox=inbox.pk if inbox else None,
        )
    return reply


def delete_canned_reply(*, actor: User, reply: CannedReply) -> None:
    """Remove a canned reply; replies already sent with it are messages and stay."""
    check_may_manage(actor)
    with transaction.atomic():
        audit.record(actor=actor, verb="canned_reply.deleted", obj=reply, shortcut=reply.shortcut)
        reply.delete()
