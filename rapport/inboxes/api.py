"""API: the inboxes a staff member can see.

The API channel's inbound endpoint is the channel's own (``adapters/api/inbound.py``).
"""

from __future__ import annotations

from ninja import Router

from rapport.accounts.auth import AuthedRequest
from rapport.core.api import ObjectId
from rapport.inboxes.models import Inbox
from rapport.inboxes.schemas import InboxOut
from rapport.inboxes.selectors import access_inbox, visible_inboxes

router = Router(tags=["inboxes"])


@router.get("/inboxes", response=list[InboxOut], summary="List the inboxes you can see")
def list_inboxes(request: AuthedRequest) -> list[Inbox]:
    """Admins and supervisors see every inbox; agents the inboxes they are members of."""
    return list(visible_inboxes(request.auth))


@router.get("/inboxes/{inbox_id}", response=InboxOut, summary="One inbox")
def get_inbox(request: AuthedRequest, inbox_id: ObjectId) -> Inbox:
    return access_inbox(request.auth, inbox_id)
