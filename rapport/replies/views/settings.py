"""Settings → Canned replies: a searchable list, new, edit, delete, and a live preview.

Admins and supervisors only; agents use canned replies from the reply box.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from rapport.core.errors import NotFound, RapportError
from rapport.replies import actions
from rapport.replies.forms import CannedReplyForm
from rapport.replies.models import CannedReply
from rapport.replies.placeholders import PLACEHOLDERS, example_values, fill
from rapport.replies.selectors import access_canned_reply, search_canned_replies
from rapport.replies.views.common import managers_only, staff

LIST = "replies/settings/list.html"
ROWS = "replies/settings/_rows.html"
FORM = "replies/settings/form.html"
SECTION = {"section": "canned_replies"}


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def managed_reply(request: HttpRequest, reply_id: int) -> CannedReply:
    """The reply through the one access check of canned replies (404 page when refused)."""
    try:
        return access_canned_reply(staff(request), reply_id)
    except NotFound as error:
        raise Http404(error.message) from None


@managers_only
def canned_reply_list(request: HttpRequest) -> HttpResponse:
    """Every canned reply; the search box refreshes just the rows through htmx."""
    query = request.GET.get("q", "").strip()[:100]
    replies = list(search_canned_replies(staff(request), query))
    context = SECTION | {"replies": replies, "query": query}
    return render(request, ROWS if is_htmx(request) else LIST, context)


@managers_only
def canned_reply_new(request: HttpRequest) -> HttpResponse:
    def save(data: dict[str, Any]) -> str:
        reply = actions.create_canned_reply(actor=staff(request), **data)
        messages.success(request, f"Created the canned reply /{reply.shortcut}")
        return reverse("settings_canned_replies")

    form = CannedReplyForm(request.POST or None)
    return form_page(request, form, save, {})


@managers_only
def canned_reply_edit(request: HttpRequest, reply_id: int) -> HttpResponse:
    reply = managed_reply(request, reply_id)

    def save(data: dict[str, Any]) -> str:
        actions.update_canned_reply(actor=staff(request), reply=reply, **data)
        messages.success(request, f"Saved the canned reply /{reply.shortcut}")
        return reverse("settings_canned_replies")

    initial = {
        "title": reply.title,
        "shortcut": reply.shortcut,
        "inbox": reply.inbox,
        "text": reply.text,
    }
    form = CannedReplyForm(request.POST or None, initial=initial)
    return form_page(request, form, save, {"reply": reply})


@require_POST
@managers_only
def canned_reply_delete(request: HttpRequest, reply_id: int) -> HttpResponse:
    reply = managed_reply(request, reply_id)
    actions.delete_canned_reply(actor=staff(request), reply=reply)
    messages.success(request, f"Deleted the canned reply /{reply.shortcut}")
    return redirect("settings_canned_replies")


@require_POST
@managers_only
def canned_reply_preview(request: HttpRequest) -> HttpResponse:
    """The text as an agent would insert it, with made-up customer details."""
    filled = fill(request.POST.get("text", ""), example_values(staff(request)))
    return render(request, "replies/settings/_preview.html", {"filled": filled})


def form_page(
    request: HttpRequest,
    form: CannedReplyForm,
    save: Callable[[dict[str, Any]], str],
    context: dict[str, Any],
) -> HttpResponse:
    """Show the form; a valid POST calls ``save``. An action's refusal is shown next to the
    field it names ("shortcut: ..."), with the action's status code."""
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                return redirect(save(form.cleaned_data))
            except RapportError as error:
                show_on_form(form, error)
                status = error.status_code
    context = SECTION | context | {"form": form, "placeholders": PLACEHOLDERS}
    return render(request, FORM, context, status=status)


def show_on_form(form: CannedReplyForm, error: RapportError) -> None:
    field, named, message = error.message.partition(": ")
    if named and field in form.fields:
        form.add_error(field, message[:1].upper() + message[1:])
    else:
        form.add_error(None, error.message)
