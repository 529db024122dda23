"""What a channel hands ``receive_message``: one customer message, typed.

Every channel (e-mail, chat, web form, API channel, and the next ones) parses its own
input into an ``InboundMessage``; nothing in it is shaped by one channel. Who wrote
(``Sender``), what they wrote (text, HTML, subject, files), the channel's id for it (a
repeat of the same id is stored once), the raw payload as received, and how it threads.

Threading, the one thing channels differ in:
- ``ContinueLatest`` (the default): the customer's latest unresolved conversation in the
  inbox, else a new one. ``seen`` is that conversation as the channel already read it
  (chat and the API channel read it with their rate limit or permission check), so it is
  not read again while it is still open.
- ``ContinueConversation``: the channel knows the conversation (e-mail: our reply token,
  References); it reopens if resolved.
- ``OpenConversation``: a new conversation even though the customer has an open one (an
  e-mail with a new subject and no reference).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile

if TYPE_CHECKING:
    from rapport.conversations.models import Conversation


@dataclass(frozen=True, slots=True)
class Sender:
    """Who wrote: an identity (``customers.models.IdentityKind``) and a display name.

    ``address`` is already normalised (``customers.identities.normalize_address``): it is
    how the customer is found again.
    """

    kind: str
    address: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class ContinueLatest:
    seen: Conversation | None = None


@dataclass(frozen=True, slots=True)
class ContinueConversation:
    conversation: Conversation


@dataclass(frozen=True, slots=True)
class OpenConversation:
    pass


Threading = ContinueLatest | ContinueConversation | OpenConversation


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One message from a customer, as any channel parsed it."""

    sender: Sender
    text: str
    html: str = ""
    subject: str = ""  # a new conversation's subject; ignored when one continues
    attachments: Sequence[UploadedFile] = ()
    external_id: str = ""  # the channel's id: received twice, stored once
    raw: Any = None  # the payload as received (JSON), kept on the message
    thread: Threading = ContinueLatest()


@dataclass(frozen=True, slots=True)
class Reaction(InboundMessage):
    """The customer's reaction — an emoji, or "" when they took it back — to a message of
    their conversation, which the channel names by its own id for it (``reacts_to``: a
    customer message's external id, or the id the provider gave one of our replies).

    ``conversations.actions.receive_reaction`` shows it as a badge on that message. It is
    also a plain message (its text: "Reacted 👍 to message …"), received as one when that
    message is not known here, and by any code that does not know reactions."""

    reacts_to: str = ""
    emoji: str = ""
