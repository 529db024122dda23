"""An inbox row as HTML, built in Python (``{% inbox_row conversation %}``).

The inbox page shows 25 rows. Through a template each row cost about a millisecond of
variable look-ups, tags and filters: two thirds of the page at 1M conversations, which
put many views over their 50 ms budget (bench/inbox.py). Django's admin builds its
change-list rows in Python for the same reason (``admin_list.items_for_result``).

Names, subjects, previews and tags come from customers: every text goes through
``html.escape``, which is what Django's ``escape`` runs (without the lazy-string
wrapper, which was a third of the row's time); avatars and icons are ``format_html``'s.
Times and numbers are formatted here and hold nothing from outside. The markup is what
``inbox.html`` and ``app.css`` expect; ``tests/web`` checks it on the page.
"""

from __future__ import annotations

from functools import cache
from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from rapport.conversations.models import Conversation, Status
from rapport.core.templatetags.icons import icon
from rapport.core.templatetags.ui import (
    ago,
    avatar,
    day_time,
    full_time,
    iso_time,
    since,
    waited_long,
)

register = template.Library()

ROW = """<li class="conv-item">
<a class="conv-row{}" href="{}" data-row="{}">
  <span class="conv-avatar">{}</span>
  <span class="conv-main">
    <span class="conv-top">
      <span class="conv-customer">{}</span>
      <span class="conv-meta">{} · #{}</span>
    </span>
    <span class="conv-text"><span class="conv-subject">{}</span>{}</span>
    <span class="conv-chips">
      {}
    </span>
  </span>
  <span class="conv-side">
    <time datetime="{}" title="{}">{}</time>
    <span class="conv-assignee" title="{}">{}</span>
  </span>
</a>
</li>
"""


@register.simple_tag
def inbox_row(conversation: Conversation) -> SafeString:
    waiting = conversation.waiting_since
    assignee = conversation.assignee
    preview = conversation.preview
    return mark_safe(  # noqa: S308  (every value below is escaped or built by format_html)
        ROW.format(
            " is-waiting" if waiting and conversation.status == Status.OPEN else "",
            conversation_url(conversation.pk),
            conversation.pk,
            avatar(conversation.customer),
            escape(conversation.customer.display_name),
            escape(conversation.inbox.name),
            conversation.pk,
            escape(conversation.subject or "(no subject)"),
            f'<span class="conv-preview">{escape(preview)}</span>' if preview else "",
            chips(conversation),
            iso_time(conversation.last_activity_at),
            full_time(conversation.last_activity_at),
            escape(ago(conversation.last_activity_at)),
            escape(f"Assigned to {assignee}") if assignee else "Unassigned",
            avatar(assignee, "xs"),
        )
    )


def chips(conversation: Conversation) -> str:
    """Waiting, snoozed, priority, team and tags, in that order; escaped HTML."""
    found: list[str] = []
    waiting = conversation.waiting_since
    if waiting and conversation.status != Status.RESOLVED:
        late = " chip-late" if waited_long(waiting) else ""
        found.append(
            f'<span class="chip chip-waiting{late}" title="Waiting for a reply since '
            f'{full_time(waiting)}">{ICONS["clock"]}Waiting {since(waiting)}</span>'
        )
    until = conversation.snoozed_until
    if conversation.status == Status.SNOOZED and until:
        found.append(
            f'<span class="chip" title="Snoozed until {full_time(until)}">{ICONS["moon"]}'
            f"Until {day_time(until)}</span>"
        )
    if conversation.priority:
        found.append(
            f'<span class="chip chip-priority priority-{int(conversation.priority)}">'
            f"{ICONS['flag']}{escape(conversation.get_priority_display())}</span>"
        )
    if conversation.team:
        found.append(f'<span class="chip">{ICONS["users"]}{escape(conversation.team.name)}</span>')
    tags = "".join(
        f'<span class="chip chip-tag">{escape(tag.name)}</span>' for tag in conversation.tags.all()
    )
    if tags:
        found.append(tags)
    return "\n      ".join(found)


# The chips' icons, built once: the same four SVGs on every row.
ICONS = {name: str(icon(name, 12)) for name in ("clock", "moon", "flag", "users")}


PLACEHOLDER = 987654321


@cache
def _url_pattern() -> str:
    """The conversation URL with ``{}`` for the id, whatever the URL's shape."""
    return reverse("conversation", args=[PLACEHOLDER]).replace(str(PLACEHOLDER), "{}")


def conversation_url(pk: int) -> str:
    """``reverse("conversation", args=[pk])``, reversed once (25 times a page otherwise)."""
    return _url_pattern().format(int(pk))
