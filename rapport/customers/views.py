"""The customer's page, the merge confirmation and the list of possible duplicates.

These pages show the customer's conversations, so they sit above the conversations app
(with search's pages, in the layers of ``pyproject.toml``), while the rest of customers
sits below it. They read through selectors and write only through ``merge_customers``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.accounts.models import User
from rapport.conversations.selectors import customer_conversations
from rapport.conversations.views.common import agent, agent_page
from rapport.core.errors import PermissionDenied, ValidationFailed
from rapport.core.models import AuditEntry
from rapport.customers.actions import dismiss_duplicate, merge_customers
from rapport.customers.duplicates import (
    NAME,
    duplicates_of,
    matches,
    ordered,
    possible_duplicates,
    said,
)
from rapport.customers.merging import plan_merge
from rapport.customers.models import Customer
from rapport.customers.selectors import access_customer, customer_history

VERBS = {
    "customer.created": "added this customer",
    "customer.updated": "changed the profile",
    "identity.added": "added an address",
    "identity.removed": "removed an address",
    "customer.merged": "merged a customer into this one",
}


@dataclass(frozen=True)
class HistoryLine:
    entry: AuditEntry
    says: str  # "merged a customer into this one"
    details: list[str]  # one line each: what moved, what was kept over what


@require_GET
@agent_page
def customer_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    user = agent(request)
    customer = access_customer(user, customer_id)
    context = {
        "customer": customer,
        "identities": list(customer.identities.all()),
        "conversations": customer_conversations(user, customer.pk),
        "duplicates": duplicates_of(user, customer),
        "history": [history_line(entry) for entry in customer_history(customer)],
        "may_merge": user.can_reply,
    }
    return render(request, "customers/customer.html", context)


@require_http_methods(["GET", "POST"])
@agent_page
def merge_page(request: HttpRequest, customer_id: int, other_id: int) -> HttpResponse:
    """GET: both customers side by side and what will move; POST: merge ``other`` into
    ``customer`` and go to the customer kept."""
    user = agent(request)
    keep = access_customer(user, customer_id)
    absorb = access_customer(user, other_id)
    if not user.can_reply:
        raise PermissionDenied("a light seat cannot merge customers")
    if keep.pk == absorb.pk:
        raise ValidationFailed("a customer cannot be merged into themselves")
    if request.method == "POST":
        merge_customers(actor=user, keep=keep, absorb=absorb)
        merged = f"{absorb.display_name} (customer {absorb.pk})"
        messages.success(request, f"Merged {merged} into {keep.display_name}.")
        return redirect("customer", customer_id=keep.pk)
    return render(request, "customers/merge.html", merge_context(user, keep, absorb))


def merge_context(user: User, keep: Customer, absorb: Customer) -> dict[str, Any]:
    reasons = ordered(matches([keep])[keep.pk].get(absorb.pk, set()))
    return {
        "keep": keep,
        "absorb": absorb,
        "plan": plan_merge(keep, absorb),
        "reasons": reasons,
        "name_only": reasons == (NAME,),
        "reasons_text": said(reasons) if reasons else "",
        "keep_conversations": customer_conversations(user, keep.pk),
        "absorb_conversations": customer_conversations(user, absorb.pk),
    }


@require_POST
@agent_page
def not_duplicate(request: HttpRequest, customer_id: int, other_id: int) -> HttpResponse:
    """ "Not the same person": the pair is no longer suggested. Back to the page the button
    was on (the customer's, or the list where it was: ``back=duplicates`` and ``before``)."""
    user = agent(request)
    customer = access_customer(user, customer_id)
    other = access_customer(user, other_id)
    dismiss_duplicate(actor=user, customer=customer, other=other)
    messages.success(
        request,
        f"{other.display_name} (customer {other.pk}) will not be suggested again: not the"
        " same person.",
    )
    if request.POST.get("back") != "duplicates":
        return redirect("customer", customer_id=customer.pk)
    before = request.POST.get("before", "")
    query = f"?before={before}" if before.isdigit() else ""
    return redirect(reverse("customer_duplicates") + query)


@require_GET
@agent_page
def duplicates_page(request: HttpRequest) -> HttpResponse:
    before = request.GET.get("before", "")
    if before and not before.isdigit():
        raise ValidationFailed("before: expected a customer number")
    user = agent(request)
    page = possible_duplicates(user, before=int(before) if before else None)
    context = {"page": page, "before": before, "may_merge": user.can_reply}
    return render(request, "customers/duplicates.html", context)


def history_line(entry: AuditEntry) -> HistoryLine:
    changes = entry.changes
    if entry.verb == "customer.not_duplicate":
        other = changes.get("other", {})
        says = f"said this is not the same person as {other.get('name', '?')}"
        return HistoryLine(entry, f"{says} (customer {other.get('id', '?')})", [])
    if entry.verb != "customer.merged":
        details = [f"{name}: {value}" for name, value in changes.items()]
        return HistoryLine(entry, VERBS.get(entry.verb, entry.verb), details)
    absorbed = changes.get("absorbed", {})
    moved = changes.get("moved", {})
    details = [f"Addresses moved: {', '.join(changes.get('identities', [])) or 'none'}"]
    details += [f"{name.capitalize()} moved: {len(ids)}" for name, ids in moved.items()]
    details += [
        f"Taken over: {name} = {value}" for name, value in changes.get("filled", {}).items()
    ]
    details += [
        f"Kept {c['field']} {c['kept']!s} (the merged customer had {c['absorbed']!s})"
        for c in changes.get("conflicts", [])
    ]
    says = f"merged {absorbed.get('name', '?')} (customer {absorbed.get('id', '?')}) into this one"
    return HistoryLine(entry, says, details)
