"""API: ``GET /api/v1/search`` — messages and customers the caller may see."""

from __future__ import annotations

from typing import Any

from ninja import Query, Router

from rapport.accounts.auth import AuthedRequest
from rapport.search.query import parse, with_filters
from rapport.search.schemas import SearchOut, SearchQuery
from rapport.search.selectors import Hit, search_customers, search_messages

router = Router(tags=["search"])


@router.get("/search", response=SearchOut, summary="Search messages and customers")
def search(request: AuthedRequest, params: Query[SearchQuery]) -> dict[str, Any]:
    """Conversations with a matching message, newest (or best-matching) first: each
    conversation once, by its newest (or best) matching message, with a snippet of it;
    only conversations the caller may open are searched, and only customers they may see.
    A search the index cannot answer (only punctuation, an unknown inbox, a bad date) is a
    400 that says why."""
    query = with_filters(
        parse(params.q),
        status=params.status,
        inbox=params.inbox,
        channel=params.channel,
        assignee=params.assignee,
        team=params.team,
        tag=params.tag,
        after=params.after.isoformat() if params.after else None,
        before=params.before.isoformat() if params.before else None,
    )
    page = search_messages(
        request.auth,
        query,
        sort=params.sort,
        cursor=params.cursor,
        limit=params.limit,
        include_notes=params.notes,
    )
    first_page = not params.cursor and query.has_text
    customers = search_customers(request.auth, params.q) if first_page else []
    return {
        "messages": [_hit(hit) for hit in page.hits],
        "customers": customers,
        "next_cursor": page.next_cursor,
    }


def _hit(hit: Hit) -> dict[str, Any]:
    message, conversation = hit.message, hit.message.conversation
    return {
        "message_id": message.pk,
        "conversation_id": conversation.pk,
        "direction": message.direction,
        "created_at": message.created_at,
        "snippet": str(hit.snippet),
        "subject": conversation.subject,
        "status": conversation.status,
        "customer": {"id": conversation.customer_id, "name": conversation.customer.display_name},
        "inbox": {"id": conversation.inbox_id, "name": conversation.inbox.name},
    }
