"""API: conversations, their timeline, and what agents do to them (reply, note, assign...).

Endpoints stay thin: fetch through ``access_conversation`` (404 for what the caller may
not see), check the caller may change it, call one action, return the result.
"""

from __future__ import annotations

from django.db.models import Prefetch
from ninja import Query, Router, Status

from rapport.accounts.auth import AuthedRequest
from rapport.accounts.models import Team, User
from rapport.conversations import actions
from rapport.conversations.models import Attachment, Conversation, Message
from rapport.conversations.schemas import (
    AssignmentIn,
    ConversationOut,
    ConversationPageOut,
    ConversationQuery,
    MessageOut,
    MessagePageOut,
    MessageQuery,
    NoteIn,
    PriorityIn,
    ReplyIn,
    StatusIn,
    TagsIn,
)
from rapport.conversations.selectors import (
    MAX_PAGE_SIZE,
    ConversationFilter,
    Page,
    access_conversation,
    decode_cursor,
)
from rapport.conversations.selectors import (
    list_conversations as conversations_page,
)
from rapport.core.api import ObjectId, check_cursor
from rapport.core.errors import ValidationFailed

router = Router(tags=["conversations"])


@router.get("/conversations", response=ConversationPageOut, summary="List conversations")
def list_conversations(request: AuthedRequest, params: Query[ConversationQuery]) -> Page:
    """The inbox list with the agent app's filters, newest activity (or longest waiting) first."""
    filters = ConversationFilter(**params.model_dump(exclude={"after", "limit"}))
    after = check_cursor(params.after, _decode_list_cursor)
    return conversations_page(request.auth, filters, after=after, limit=params.limit)


@router.get(
    "/conversations/{conversation_id}", response=ConversationOut, summary="One conversation"
)
def get_conversation(request: AuthedRequest, conversation_id: ObjectId) -> Conversation:
    return access_conversation(request.auth, conversation_id)


@router.delete(
    "/conversations/{conversation_id}",
    response={204: None},
    summary="Delete a conversation (admins only)",
)
def delete_conversation(request: AuthedRequest, conversation_id: ObjectId) -> Status[None]:
    """Deletes the conversation with every message, note and attachment, and removes it
    from search; the audit log keeps who deleted it and when. It cannot be undone. Only
    admins may (403 for anyone else); 404 for a conversation the caller cannot see."""
    conversation = access_conversation(request.auth, conversation_id)
    actions.delete_conversation(conversation=conversation, actor=request.auth)
    return Status(204, None)


def _decode_list_cursor(after: str) -> object:
    key, _ = decode_cursor(after)
    if key.tzinfo is None:  # every cursor we hand out has one; a naive time is made up
        raise ValidationFailed("the page cursor is not valid; start from the first page")
    return key


def _decode_message_cursor(after: str) -> int:
    if not (after.isascii() and after.isdigit()):
        raise ValidationFailed("after: the page cursor is not valid; start from the first page")
    return int(after)


@router.get(
    "/conversations/{conversation_id}/messages",
    response=MessagePageOut,
    summary="The conversation's timeline",
)
def list_messages(
    request: AuthedRequest,
    conversation_id: ObjectId,
    params: Query[MessageQuery],
) -> dict[str, object]:
    """Messages and internal notes, oldest first."""
    conversation = access_conversation(request.auth, conversation_id)
    rows = conversation.messages.order_by("id")
    if params.after:
        rows = rows.filter(pk__gt=_decode_message_cursor(params.after))
    attachments = Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
    limit = min(params.limit, MAX_PAGE_SIZE)
    items = list(rows.select_related("author").prefetch_related(attachments)[: limit + 1])
    next_cursor = str(items[limit - 1].pk) if len(items) > limit else None
    return {"items": items[:limit], "next_cursor": next_cursor}


@router.post(
    "/conversations/{conversation_id}/messages",
    response={201: MessageOut},
    summary="Reply to the customer",
)
def reply(request: AuthedRequest, conversation_id: ObjectId, payload: ReplyIn) -> Status[Message]:
    """Queue a reply on the customer's channel; a light seat gets 403."""
    conversation = access_conversation(request.auth, conversation_id)
    message = actions.send_reply(
        conversation=conversation,
        author=request.auth,
        text=payload.text,
        status_after=payload.status_after,
    )
    return Status(201, message)


@router.post(
    "/conversations/{conversation_id}/notes",
    response={201: MessageOut},
    summary="Add an internal note",
)
def add_note(request: AuthedRequest, conversation_id: ObjectId, payload: NoteIn) -> Status[Message]:
    """Only staff see notes; staff mentioned with @name are notified."""
    conversation = access_conversation(request.auth, conversation_id)
    message = actions.add_note(conversation=conversation, author=request.auth, text=payload.text)
    return Status(201, message)


def _assignee(assignee_id: int) -> User:
    assignee = User.objects.filter(pk=assignee_id, is_active=True).first()
    if assignee is None:
        raise ValidationFailed(f"assignee_id: there is no active staff member {assignee_id}")
    return assignee


def _team(team_id: int) -> Team:
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise ValidationFailed(f"team_id: there is no team {team_id}")
    return team


@router.post(
    "/conversations/{conversation_id}/assignment",
    response=ConversationOut,
    summary="Assign to an agent and/or a team",
)
def assign(
    request: AuthedRequest, conversation_id: ObjectId, payload: AssignmentIn
) -> Conversation:
    """Leave a field out to keep it, send null to clear it. The agent must be in the inbox."""
    conversation = access_conversation(request.auth, conversation_id)
    # Checked before the assignee is looked up, so a light seat gets 403, not a 404.
    actions.check_may_change(request.auth, conversation, "assign conversations")
    given = payload.model_fields_set
    assignee = conversation.assignee
    if "assignee_id" in given:
        assignee = _assignee(payload.assignee_id) if payload.assignee_id is not None else None
    team = conversation.team
    if "team_id" in given:
        team = _team(payload.team_id) if payload.team_id is not None else None
    return actions.assign_conversation(
        conversation=conversation, actor=request.auth, assignee=assignee, team=team
    )


@router.post(
    "/conversations/{conversation_id}/status",
    response=ConversationOut,
    summary="Open, set pending, snooze or resolve",
)
def change_status(
    request: AuthedRequest, conversation_id: ObjectId, payload: StatusIn
) -> Conversation:
    """Snoozing needs ``snoozed_until``, a time in the future with a time zone."""
    conversation = access_conversation(request.auth, conversation_id)
    return actions.change_status(
        conversation=conversation,
        actor=request.auth,
        status=payload.status,
        snoozed_until=payload.snoozed_until,
    )


@router.put(
    "/conversations/{conversation_id}/tags",
    response=ConversationOut,
    summary="Replace the tags",
)
def set_tags(request: AuthedRequest, conversation_id: ObjectId, payload: TagsIn) -> Conversation:
    """Tags are lower-cased; unknown ones are created."""
    conversation = access_conversation(request.auth, conversation_id)
    actions.set_tags(conversation=conversation, actor=request.auth, names=payload.tags)
    return conversation


@router.post(
    "/conversations/{conversation_id}/priority",
    response=ConversationOut,
    summary="Set the priority",
)
def set_priority(
    request: AuthedRequest, conversation_id: ObjectId, payload: PriorityIn
) -> Conversation:
    conversation = access_conversation(request.auth, conversation_id)
    return actions.set_priority(
        conversation=conversation, actor=request.auth, priority=payload.priority
    )
