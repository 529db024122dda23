"""API: customers and their identities (the addresses they write from)."""

from __future__ import annotations

from ninja import Query, Router, Status

from rapport.accounts.auth import AuthedRequest
from rapport.core.api import ObjectId, check_cursor
from rapport.core.errors import NotFound, ValidationFailed
from rapport.customers import actions
from rapport.customers.duplicates import Duplicate, duplicates_of
from rapport.customers.identities import identity_address, normalize_address
from rapport.customers.models import Customer, DismissedDuplicate, Identity, IdentityKind
from rapport.customers.schemas import (
    CustomerIn,
    CustomerOut,
    CustomerPageOut,
    CustomerPatch,
    CustomerQuery,
    DuplicateOut,
    IdentityIn,
    IdentityOut,
    MergeIn,
    NotDuplicateIn,
    NotDuplicateOut,
)
from rapport.customers.selectors import (
    CustomerPage,
    access_customer,
    decode_cursor,
    search_customers,
)
from rapport.inboxes.selectors import access_inbox

router = Router(tags=["customers"])


@router.get("/customers", response=CustomerPageOut, summary="List or search customers")
def list_customers(request: AuthedRequest, params: Query[CustomerQuery]) -> CustomerPage:
    """Newest first, only customers the caller may see, ``limit`` at a time."""
    after = check_cursor(params.after, decode_cursor)
    return search_customers(request.auth, query=params.q, after=after, limit=params.limit)


@router.post("/customers", response={201: CustomerOut}, summary="Create a customer")
def create_customer(request: AuthedRequest, payload: CustomerIn) -> Status[Customer]:
    """Admins and supervisors only. E-mail and phone become identities; a taken one is 409."""
    customer = actions.create_customer(actor=request.auth, **payload.model_dump())
    return Status(201, access_customer(request.auth, customer.pk))


@router.get("/customers/{customer_id}", response=CustomerOut, summary="One customer")
def get_customer(request: AuthedRequest, customer_id: ObjectId) -> Customer:
    return access_customer(request.auth, customer_id)


@router.patch("/customers/{customer_id}", response=CustomerOut, summary="Change a customer")
def update_customer(
    request: AuthedRequest, customer_id: ObjectId, payload: CustomerPatch
) -> Customer:
    """Change the fields given; ``attributes`` replaces all custom attributes."""
    customer = access_customer(request.auth, customer_id)
    actions.update_customer(actor=request.auth, customer=customer, **payload.model_dump())
    return access_customer(request.auth, customer_id)


@router.get(
    "/customers/{customer_id}/identities",
    response=list[IdentityOut],
    summary="A customer's identities",
)
def list_identities(request: AuthedRequest, customer_id: ObjectId) -> list[Identity]:
    return list(access_customer(request.auth, customer_id).identities.all())


def _normalized(request: AuthedRequest, payload: IdentityIn) -> str:
    if payload.kind != IdentityKind.API:
        return normalize_address(payload.kind, payload.address)
    if payload.inbox_id is None:
        raise ValidationFailed("inbox_id: required for an identity of kind 'api'")
    inbox = access_inbox(request.auth, payload.inbox_id)
    return identity_address(inbox.pk, IdentityKind.API, payload.address)


@router.post(
    "/customers/{customer_id}/identities",
    response={201: IdentityOut},
    summary="Add an identity to a customer",
)
def add_identity(
    request: AuthedRequest, customer_id: ObjectId, payload: IdentityIn
) -> Status[Identity]:
    """The address is normalised (e-mail lower-cased, phone in E.164); a taken one is 409."""
    customer = access_customer(request.auth, customer_id)
    address = _normalized(request, payload)
    identity = actions.add_identity(
        actor=request.auth, customer=customer, kind=payload.kind, address=address
    )
    return Status(201, identity)


@router.delete(
    "/customers/{customer_id}/identities/{identity_id}",
    response={204: None},
    summary="Remove an identity from a customer",
)
def remove_identity(
    request: AuthedRequest, customer_id: ObjectId, identity_id: ObjectId
) -> Status[None]:
    customer = access_customer(request.auth, customer_id)
    identity = customer.identities.filter(pk=identity_id).first()
    if identity is None:
        raise NotFound(f"identity {identity_id} of customer {customer_id} not found")
    actions.remove_identity(actor=request.auth, identity=identity)
    return Status(204, None)


@router.get(
    "/customers/{customer_id}/duplicates",
    response=list[DuplicateOut],
    summary="Customers who may be the same person",
)
def list_duplicates(request: AuthedRequest, customer_id: ObjectId) -> list[Duplicate]:
    """Other customers you can see with the same phone, e-mail address or full name (at
    most 10, most reasons first). Suggestions only: nothing is merged until asked."""
    return duplicates_of(request.auth, access_customer(request.auth, customer_id))


@router.post(
    "/customers/{customer_id}/merge",
    response=CustomerOut,
    summary="Merge another customer into this one",
)
def merge_customer(request: AuthedRequest, customer_id: ObjectId, payload: MergeIn) -> Customer:
    """``absorb``'s addresses and conversations move to this customer, blank fields are
    filled from it (this customer's values win; both are kept in the audit entry), and
    ``absorb`` is deleted. 404 for either customer you cannot see; 400 to merge one into
    itself; 403 for a light seat or a read-only token."""
    keep = access_customer(request.auth, customer_id)
    absorb = access_customer(request.auth, payload.absorb)
    actions.merge_customers(actor=request.auth, keep=keep, absorb=absorb)
    return access_customer(request.auth, customer_id)


@router.post(
    "/customers/{customer_id}/not-duplicates",
    response={200: NotDuplicateOut, 201: NotDuplicateOut},
    summary="Say another customer is not the same person",
)
def dismiss_duplicate(
    request: AuthedRequest, customer_id: ObjectId, payload: NotDuplicateIn
) -> Status[DismissedDuplicate]:
    """The pair is never suggested again as possible duplicates (on either customer, in
    the list, or by ``/duplicates``). 201 the first time, 200 if already said (by anyone).
    404 for either customer you cannot see; 400 for the customer themselves; 403 for a
    light seat or a read-only token."""
    customer = access_customer(request.auth, customer_id)
    other = access_customer(request.auth, payload.other)
    first, second = DismissedDuplicate.ordered(customer.pk, other.pk)
    existed = DismissedDuplicate.objects.filter(first_id=first, second_id=second).exists()
    dismissal = actions.dismiss_duplicate(actor=request.auth, customer=customer, other=other)
    return Status(200 if existed else 201, dismissal)
