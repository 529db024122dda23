"""Writes to customers and their identities."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from rapport.accounts.models import User
from rapport.core import audit, rows
from rapport.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from rapport.core.events import publish
from rapport.customers.events import CustomerMerged
from rapport.customers.identities import normalize_email, normalize_phone, phone_search_forms
from rapport.customers.lookups import identity_owner
from rapport.customers.merging import MergePlan, audit_summary, movers, plan_merge
from rapport.customers.models import (
    Company,
    Customer,
    DismissedDuplicate,
    Identity,
    IdentityKind,
)
from rapport.customers.names import name_key
from rapport.customers.selectors import may_see_customer
from rapport.search import index

Attributes = dict[str, Any]


def search_words(customer: Customer, identities: list[tuple[str, str]]) -> list[str]:
    """What a customer is found by besides their name: every address, a phone also by its
    national number (``rapport reindex`` builds the same from the stored rows)."""
    addresses = [customer.email, customer.phone]
    for kind, address in identities:
        addresses += phone_search_forms(address) if kind == IdentityKind.PHONE else [address]
    return [address for address in addresses if address]


def reindex_customer(customer: Customer) -> None:
    """Write the customer's search entry from what is stored now (after any change)."""
    identities = list(customer.identities.values_list("kind", "address"))
    index.put_customer(
        customer.pk, name=customer.name, addresses=search_words(customer, identities)
    )


def address_in_use(kind: str, address: str) -> Conflict:
    """The one answer to "this address is someone else's", whoever that is.

    It names neither the owner nor whether the actor may see them: an agent must not learn
    about a customer of an inbox they cannot see (issue 21, hole 4). The answer is the same
    when the owner is visible, so it does not tell the two apart either.
    """
    return Conflict(f"{kind} {address} cannot be given to this customer: it is in use")


def find_or_create_customer(*, kind: str, address: str, name: str = "") -> Customer:
    """Return the customer who owns the identity ``kind:address``, creating both if new.

    ``address`` must already be normalised (``identities.normalize_address``). Every
    message from a customer without an open conversation comes through here, so the
    statements are the compiled-once ones of ``customers.lookups`` and ``core.rows``.
    """
    customer = identity_owner(kind, address)
    if customer is not None:
        return customer
    try:
        with transaction.atomic():
            customer = rows.insert(
                Customer(
                    name=name.strip()[:200],
                    email=address if kind == IdentityKind.EMAIL else "",
                    phone=address if kind == IdentityKind.PHONE else "",
                )
            )
            rows.insert(Identity(customer=customer, kind=kind, address=address))
            words = search_words(customer, [(kind, address)])
            index.put_customer(customer.pk, name=customer.name, addresses=words)
            return customer
    except IntegrityError:  # created concurrently by another request
        return Identity.objects.select_related("customer").get(kind=kind, address=address).customer


def set_contact_details(
    *, customer: Customer, name: str = "", email: str = "", overwrite: bool
) -> Customer:
    """What a customer says about themselves (the chat's pre-chat or offline form).

    ``overwrite`` False fills only what is empty: a verified customer's profile is the
    business's, and a visitor's word must not replace it. ``email`` is normalised.
    """
    changes: dict[str, str] = {}
    if email and (overwrite or not customer.email):
        changes["email"] = email
    if name and (overwrite or not customer.name):
        changes["name"] = name
        changes["name_key"] = name_key(name)
    if changes:
        Customer.objects.filter(pk=customer.pk).update(**changes)
        for field, value in changes.items():
            setattr(customer, field, value)
        reindex_customer(customer)
    return customer


def _check_can_edit(actor: User) -> None:
    if not actor.can_reply:
        raise PermissionDenied("a light seat cannot change customer profiles")


def _company_named(name: str) -> Company | None:
    """The company called ``name`` (any case), created if new; None for an empty name."""
    name = name.strip()[:200]
    if not name:
        return None
    company = Company.objects.filter(name__iexact=name).order_by("id").first()
    return company or Company.objects.create(name=name)


def _claim_address(customer: Customer, kind: str, address: str) -> Identity | None:
    """Make ``kind:address`` one of the customer's identities (it may already be)."""
    existing = Identity.objects.filter(kind=kind, address=address).first()
    if existing is None:
        return Identity.objects.create(customer=customer, kind=kind, address=address)
    if existing.customer_id != customer.pk:
        raise address_in_use(kind, address)
    return None


def create_customer(
    *,
    actor: User,
    name: str,
    email: str = "",
    phone: str = "",
    company: str = "",
    attributes: Attributes | None = None,
) -> Customer:
    """Add a customer by hand or from an integration; their e-mail and phone become identities.

    Only admins and supervisors may: an agent sees customers through the conversations of
    their inboxes, so a customer without conversations would vanish from their view.
    """
    if not actor.sees_all_inboxes:
        raise PermissionDenied("only admins and supervisors can create customers")
    email = normalize_email(email) if email.strip() else ""
    phone = normalize_phone(phone) if phone.strip() else ""
    try:
        with transaction.atomic():
            customer = Customer.objects.create(
                name=name.strip()[:200],
                email=email,
                phone=phone,
                company=_company_named(company),
                attributes=attributes or {},
            )
            for kind, address in ((IdentityKind.EMAIL, email), (IdentityKind.PHONE, phone)):
                if address:
                    _claim_address(customer, kind, address)
            reindex_customer(customer)
            audit.record(actor=actor, verb="customer.created", obj=customer, name=customer.name)
    except IntegrityError:  # another request took the address between our check and insert
        raise address_in_use(
            IdentityKind.EMAIL if email else IdentityKind.PHONE, email or phone
        ) from None
    return customer


def update_customer(
    *,
    actor: User,
    customer: Customer,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    company: str | None = None,
    attributes: Attributes | None = None,
) -> Customer:
    """Change what is given (None leaves a field alone; "" clears it).

    A new e-mail address or phone number also becomes an identity of the customer, so
    messages from it find them; one that belongs to another customer is a conflict
    that does not say whose (``address_in_use``).
    ``attributes`` replaces the custom attributes as a whole.
    """
    _check_can_edit(actor)
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = name.strip()[:200]
    if email is not None:
        changes["email"] = normalize_email(email) if email.strip() else ""
    if phone is not None:
        changes["phone"] = normalize_phone(phone) if phone.strip() else ""
    if attributes is not None:
        changes["attributes"] = attributes
    try:
        with transaction.atomic():
            _apply_customer_changes(customer, changes, company)
            reindex_customer(customer)
            audit.record(actor=actor, verb="customer.updated", obj=customer, **_audited(changes))
    except IntegrityError:  # taken concurrently
        kind = IdentityKind.EMAIL if changes.get("email") else IdentityKind.PHONE
        raise address_in_use(kind, changes.get("email") or changes.get("phone") or "") from None
    return customer


def _audited(changes: dict[str, Any]) -> dict[str, Any]:
    return {field: value for field, value in changes.items() if field != "attributes"} | (
        {"attributes": sorted(changes["attributes"])} if "attributes" in changes else {}
    )


def _apply_customer_changes(
    customer: Customer, changes: dict[str, Any], company: str | None
) -> None:
    for kind, field in ((IdentityKind.EMAIL, "email"), (IdentityKind.PHONE, "phone")):
        if changes.get(field):
            _claim_address(customer, kind, changes[field])
    fields = list(changes) + (["name_key"] if "name" in changes else [])
    if company is not None:
        customer.company = _company_named(company)
        fields.append("company")
    for field, value in changes.items():
        setattr(customer, field, value)
    if fields:
        customer.save(update_fields=fields)


def add_identity(*, actor: User, customer: Customer, kind: str, address: str) -> Identity:
    """Give a customer another address (already normalised); any duplicate is a conflict."""
    _check_can_edit(actor)
    existing = Identity.objects.filter(kind=kind, address=address).first()
    if existing is not None and existing.customer_id == customer.pk:
        raise Conflict(f"{kind} {address} already belongs to this customer")
    if existing is not None:
        raise address_in_use(kind, address)
    try:
        with transaction.atomic():
            identity = Identity.objects.create(customer=customer, kind=kind, address=address)
            reindex_customer(customer)
            audit.record(
                actor=actor, verb="identity.added", obj=customer, kind=kind, address=address
            )
    except IntegrityError:  # added concurrently
        raise address_in_use(kind, address) from None
    return identity


def remove_identity(*, actor: User, identity: Identity) -> None:
    """Forget one of a customer's addresses; messages from it will start a new customer."""
    _check_can_edit(actor)
    with transaction.atomic():
        audit.record(
            actor=actor,
            verb="identity.removed",
            obj=identity.customer,
            kind=identity.kind,
            address=identity.address,
        )
        identity.delete()
        reindex_customer(identity.customer)


def merge_customers(*, actor: User, keep: Customer, absorb: Customer) -> Customer:
    """Make two customers one person: ``absorb`` is merged into ``keep`` and deleted.

    Every identity of ``absorb`` and every row that points at it (its conversations,
    through the apps' registered movers) moves to ``keep``; what ``keep`` has blank is
    filled from ``absorb``, and where both hold different values ``keep``'s stays and the
    audit entry records both (``merging.plan_merge``). The search index follows: ``keep``
    indexed again with every address, ``absorb`` removed. One transaction; the event
    after commit.

    Only staff who may change customers and can see both: anyone else hears the same
    "not found" for a customer they cannot see as for one that does not exist.
    """
    _check_can_edit(actor)
    if keep.pk == absorb.pk:
        raise ValidationFailed("a customer cannot be merged into themselves")
    with transaction.atomic():
        keep, absorb = _lock_for_merge(actor, keep.pk, absorb.pk)
        plan = plan_merge(keep, absorb)
        moved = {name: move(absorb.pk, keep.pk) for name, move in movers().items()}
        Identity.objects.filter(customer_id=absorb.pk).update(customer_id=keep.pk)
        _move_dismissals(absorb.pk, keep.pk)
        _take_profile(plan)
        _check_nothing_left(absorb)
        audit.record(actor=actor, verb="customer.merged", obj=keep, **audit_summary(plan, moved))
        absorbed_id = absorb.pk
        absorb.delete()
        reindex_customer(keep)
        index.remove_customers([absorbed_id])
        publish(CustomerMerged(kept_id=keep.pk, absorbed_id=absorbed_id))
    return keep


def _lock_for_merge(actor: User, keep_id: int, absorb_id: int) -> tuple[Customer, Customer]:
    """Both customers, read again under a row lock (a second merge of either waits), if
    ``actor`` may see them; NotFound otherwise, the same for "hidden" as for "gone"."""
    found = {
        customer.pk: customer
        for customer in Customer.objects.select_for_update(of=("self",))
        .select_related("company")
        .filter(pk__in=[keep_id, absorb_id])
        .order_by("pk")
    }
    for customer_id in (keep_id, absorb_id):
        if customer_id not in found or not may_see_customer(actor, customer_id):
            raise NotFound(f"customer {customer_id} not found")
    return found[keep_id], found[absorb_id]


def _move_dismissals(absorb_id: int, keep_id: int) -> None:
    """ "Not the same person" said of the absorbed customer holds for the kept one, who is
    now also that person; a pair that would be the kept customer with themselves, or one
    the kept customer already has, is dropped."""
    pairs = DismissedDuplicate.objects.filter(Q(first_id=absorb_id) | Q(second_id=absorb_id))
    for dismissal in pairs.select_for_update():
        other = dismissal.second_id if dismissal.first_id == absorb_id else dismissal.first_id
        first, second = DismissedDuplicate.ordered(keep_id, other)
        taken = DismissedDuplicate.objects.filter(first_id=first, second_id=second).exists()
        if other == keep_id or taken:
            dismissal.delete()
            continue
        dismissal.first_id, dismissal.second_id = first, second
        dismissal.save(update_fields=["first", "second"])


def dismiss_duplicate(*, actor: User, customer: Customer, other: Customer) -> DismissedDuplicate:
    """Say that ``customer`` and ``other`` are *not the same person*: the pair is never
    suggested again, on either customer's page, in the list or the API.

    Saying it twice is not an error (the pair is unique, unordered): the first answer
    stays. Audited on both customers, so each one's History says who decided it. The
    same people as for a merge may: staff who may change customers and see both.
    """
    _check_can_edit(actor)
    if customer.pk == other.pk:
        raise ValidationFailed("a customer is always the same person as themselves")
    first_id, second_id = DismissedDuplicate.ordered(customer.pk, other.pk)
    try:
        with transaction.atomic():
            first, second = _lock_for_merge(actor, first_id, second_id)
            existing = DismissedDuplicate.objects.filter(first=first, second=second).first()
            if existing is not None:
                return existing
            dismissal = DismissedDuplicate.objects.create(
                first=first, second=second, dismissed_by=actor
            )
            for one, two in ((first, second), (second, first)):
                audit.record(
                    actor=actor,
                    verb="customer.not_duplicate",
                    obj=one,
                    other={"id": two.pk, "name": two.display_name},
                )
    except IntegrityError:  # dismissed at the same moment by someone else: theirs stands
        return DismissedDuplicate.objects.get(first_id=first_id, second_id=second_id)
    return dismissal


def _take_profile(plan: MergePlan) -> None:
    """Fill what the kept customer lacks; it was a customer since the earlier of the two."""
    keep, absorb = plan.keep, plan.absorb
    changes: dict[str, Any] = dict(plan.filled)
    if plan.attributes:
        changes["attributes"] = plan.merged_attributes
    if absorb.created_at < keep.created_at:
        changes["created_at"] = absorb.created_at
    if absorb.last_seen_at and (
        keep.last_seen_at is None or absorb.last_seen_at > keep.last_seen_at
    ):
        changes["last_seen_at"] = absorb.last_seen_at
    for name, value in changes.items():
        setattr(keep, name, value)
    if changes:
        keep.save(update_fields=[*changes, *(["name_key"] if "name" in changes else [])])


def _check_nothing_left(absorb: Customer) -> None:
    """Refuse, rather than delete with the customer, any row no mover took along.

    A relation added later without a mover would otherwise go with the absorbed
    customer (or block the delete with an error no one can read). Identities were moved
    above; the search index's row is unmanaged and removed by the action.
    """
    for relation in Customer._meta.related_objects:
        model = relation.related_model
        if model is Identity or not model._meta.managed:
            continue
        if model._base_manager.filter(**{relation.field.name: absorb.pk}).exists():
            raise Conflict(
                f"customer {absorb.pk} still has {model._meta.verbose_name_plural} that a merge"
                " cannot move; nothing was changed"
            )
