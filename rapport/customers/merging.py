"""What merging two customers means, worked out before anything is written.

``plan_merge`` says what the kept customer gains from the one merged into it: every
identity, the profile fields the kept one has blank, and the custom attributes it lacks.
Where both have a value and the values differ, the kept one's stays and both are recorded
(``conflicts``), so the audit entry says what was not taken. The confirm page shows the
plan and ``actions.merge_customers`` carries it out, so the two cannot disagree.

Rows of apps above this one that point at a customer (conversations) are moved by a
function each app registers here (``register_mover``), the way channels register their
senders with the outbox: customers never imports the apps above it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rapport.customers.models import Customer, Identity

# (absorbed customer id, kept customer id) → what moved, for the audit entry ("42, 43").
Mover = Callable[[int, int], list[int]]

_movers: dict[str, Mover] = {}

PROFILE_FIELDS = ("name", "email", "phone")


def register_mover(name: str, mover: Mover) -> None:
    """Let ``mover`` re-point an app's rows from the absorbed customer to the kept one.

    ``name`` ("conversations") labels what it moved in the audit entry. It runs inside
    the merge's transaction; registering the same name again replaces it.
    """
    _movers[name] = mover


def movers() -> dict[str, Mover]:
    return dict(_movers)


LABELS = {"name": "Name", "email": "E-mail", "phone": "Phone", "company": "Company"}


@dataclass(frozen=True)
class Conflict:
    """A field both customers hold with different values: the kept value stays."""

    field: str
    kept: Any
    absorbed: Any
    # The absorbed value is also an identity that moves (an e-mail address, a number):
    # it is not the preferred one any more, but messages from it still find the customer.
    comes_along: bool = False

    @property
    def label(self) -> str:
        if self.field.startswith("attributes."):
            return f"Attribute {self.field.removeprefix('attributes.')}"
        return LABELS.get(self.field, self.field)


@dataclass
class MergePlan:
    keep: Customer
    absorb: Customer
    identities: list[Identity]  # the absorbed customer's, all of which move
    filled: dict[str, Any] = field(default_factory=dict)  # blank on the kept one: taken
    attributes: dict[str, Any] = field(default_factory=dict)  # keys the kept one lacks
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def merged_attributes(self) -> dict[str, Any]:
        return {**self.attributes, **self.keep.attributes}


def plan_merge(keep: Customer, absorb: Customer) -> MergePlan:
    """What merging ``absorb`` into ``keep`` changes (nothing is written here)."""
    plan = MergePlan(keep=keep, absorb=absorb, identities=list(absorb.identities.order_by("id")))
    moving = {identity.address for identity in plan.identities}
    for name in PROFILE_FIELDS:
        _compare(plan, name, getattr(keep, name), getattr(absorb, name), moving)
    _compare(plan, "company", keep.company, absorb.company, set())
    for key, value in sorted(absorb.attributes.items()):
        if key not in keep.attributes:
            plan.attributes[key] = value
        elif keep.attributes[key] != value:
            plan.conflicts.append(Conflict(f"attributes.{key}", keep.attributes[key], value))
    return plan


def _compare(plan: MergePlan, name: str, kept: Any, absorbed: Any, moving: set[str]) -> None:
    if not absorbed or kept == absorbed:
        return
    if kept:
        plan.conflicts.append(Conflict(name, str(kept), str(absorbed), str(absorbed) in moving))
    else:
        plan.filled[name] = absorbed


def audit_summary(plan: MergePlan, moved: dict[str, list[int]]) -> dict[str, Any]:
    """The audit entry's record of a merge: who was merged into whom, and what moved."""
    absorb = plan.absorb
    return {
        "kept": {"id": plan.keep.pk, "name": plan.keep.display_name},
        "absorbed": {
            "id": absorb.pk,
            "name": absorb.display_name,
            "email": absorb.email,
            "phone": absorb.phone,
        },
        "identities": [f"{identity.kind}:{identity.address}" for identity in plan.identities],
        "moved": moved,
        "filled": {name: str(value) for name, value in plan.filled.items()}
        | {f"attributes.{key}": value for key, value in plan.attributes.items()},
        "conflicts": [
            {"field": c.field, "kept": c.kept, "absorbed": c.absorbed} for c in plan.conflicts
        ],
    }
