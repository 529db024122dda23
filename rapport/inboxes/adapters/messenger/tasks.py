"""A new Messenger or Instagram customer's name, asked of the Graph API once their first
conversation is stored.

Meta's webhooks carry only the sender's scoped id. Asking for the name while the message
is completed (``Channel.complete``) meant first finding out whether the sender was new: a
look-up of their identity on *every* message, the seventh statement of a continuing
conversation whose budget is six (``tests/channels/test_webhook_statements.py``). The
receiving side already knows when it creates a customer: it opens a conversation for them
and publishes ``conversation.created`` with the customer it holds. This subscriber hears
it, reads nothing, and queues a job only when that customer has no name yet — a new
customer, or one whose earlier look-up failed. The name then lands a moment after the
message; a known sender costs nothing.
"""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from rapport.conversations.events import ConversationCreated
from rapport.core.events import Event
from rapport.core.jobs import try_enqueue
from rapport.customers.actions import set_contact_details
from rapport.customers.models import Customer, Identity
from rapport.inboxes import channels
from rapport.inboxes.adapters.messenger.channel import MessengerChannel
from rapport.inboxes.models import Inbox


def name_new_customer(event: Event) -> None:
    """``conversation.created``: queue the name's look-up for a nameless customer of a
    Meta messaging inbox. Reads only what the action held (inbox, customer)."""
    if not isinstance(event, ConversationCreated) or event.conversation is None:
        return
    conversation = event.conversation
    if not isinstance(channels.find(conversation.inbox.kind), MessengerChannel):
        return
    if conversation.customer.name:
        return
    inbox_id, customer_id = event.inbox_id, conversation.customer_id
    try_enqueue(
        lambda: name_customer_task(inbox_id, customer_id),
        what=f"the name of customer {customer_id}",
    )


@db_task()
def name_customer_task(inbox_id: int, customer_id: int) -> None:
    name_customer(inbox_id, customer_id)


def name_customer(inbox_id: int, customer_id: int) -> str:
    """Fill the customer's empty name from their Graph API profile; the name given, or ""
    when there is nothing to do or Meta did not say (the customer stays as they are)."""
    inbox = Inbox.objects.filter(pk=inbox_id).first()
    customer = Customer.objects.filter(pk=customer_id).first()
    channel = channels.find(inbox.kind) if inbox else None
    if inbox is None or customer is None or customer.name:
        return ""
    if not isinstance(channel, MessengerChannel):
        return ""
    scoped_id = (
        Identity.objects.filter(customer=customer, kind=channel.address_kind)
        .values_list("address", flat=True)
        .first()
    )
    name = channel.customer_name(inbox, scoped_id) if scoped_id else ""
    if name:
        set_contact_details(customer=customer, name=name, overwrite=False)
    return name
