"""What a channel says about itself: the one description every channel folder declares.

A channel is a subclass of ``Channel`` in ``inboxes/adapters/<kind>/channel.py``, listed
once in ``settings.RAPPORT_CHANNELS``. Everything outside the folder — the inbox list and
settings pages, the reply box, the outbox, live updates, the inbound endpoint — asks the
registry (``rapport.inboxes.channels``) instead of naming a kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms

from rapport.core.errors import RapportError, ValidationFailed

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile
    from django.http import HttpRequest, HttpResponse, QueryDict
    from django.urls import URLPattern, URLResolver

    from rapport.accounts.models import User
    from rapport.conversations.inbound import InboundMessage
    from rapport.conversations.models import Conversation, Message
    from rapport.customers.addresses import AddressKind
    from rapport.inboxes.models import Inbox
    from rapport.outbox.models import Delivery
    from rapport.outbox.senders import Handed

    Urls = list[URLPattern | URLResolver]


class InboundRefused(RapportError):
    """The request did not come from the provider (a bad or missing signature): 403."""

    status_code = 403


@dataclass(frozen=True)
class StatusUpdate:
    """A provider's word on a reply it was given: ``external_id`` is the id its ``send``
    returned, ``status`` one of queued, sent, delivered, read, failed (``error`` says why)."""

    external_id: str
    status: str
    error: str = ""


@dataclass(frozen=True)
class MessageAddition:
    """More for a customer message already stored (found by the channel's ``external_id``):
    text added under it and files attached to it — a voicemail's recording and, later, its
    transcription on the missed call's message. ``raw`` is what the channel's ``complete``
    reads to fetch the files. Waits (like a status) while that message is not stored yet."""

    external_id: str
    text: str = ""
    attachments: Sequence[UploadedFile] = ()
    raw: Any = None


@dataclass(frozen=True)
class Tool:
    """A button a channel adds to the customer card of a conversation (voice's "Call back"):
    a form POSTed to ``url``; ``choices`` fill a select named ``choice`` beside it."""

    label: str
    url: str
    icon: str = "phone"
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""


class ChannelSettingsForm(forms.Form):
    """The shape of every channel's settings form: typed text in, ``config()`` out.

    ``stored`` is the inbox's saved settings (empty for a new inbox), for forms that show
    which secrets are kept. ``config()`` is what the channel's ``clean_config`` takes.
    """

    def __init__(self, *args: Any, stored: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stored = dict(stored or {})

    def config(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.fields}


def secret_field(label: str, *, max_length: int = 200, help_text: str = "") -> forms.CharField:
    """A write-only secret on a settings form: never shown back, blank keeps the stored one."""
    widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
    return forms.CharField(
        required=False, max_length=max_length, label=label, widget=widget, help_text=help_text
    )


def number_field(
    label: str, *, initial: int, low: int = 1, high: int, help_text: str = ""
) -> forms.IntegerField:
    """An optional whole number from ``low`` to ``high``; left empty, the channel's default."""
    return forms.IntegerField(
        required=False,
        min_value=low,
        max_value=high,
        initial=initial,
        label=label,
        help_text=help_text,
    )


@dataclass(frozen=True)
class SettingsTab:
    """A settings tab of the channel's own at /settings/inboxes/<id>/<kind>.

    Its page shows ``Channel.settings_form`` in ``template``; a new inbox of the kind is set
    up at /settings/inboxes/new/<kind> with the same form. Channels without a tab keep their
    few settings on the inbox's General page.
    """

    label: str  # "E-mail settings"
    template: str  # extends inboxes/settings/channel.html
    noun: str  # "e-mail": "Created the e-mail inbox …", "New e-mail inbox"
    pointer: str  # on the General page: "<what the tab holds> are on the <label> tab"
    after_create: str = ""  # added to "Created the … inbox X" (": paste the snippet below")


@dataclass(frozen=True)
class PublicLink:
    """A page of the inbox that customers open (a web form), shown on the inbox's settings."""

    url: str
    title: str  # "Public contact form"
    help: str  # how to use it
    open_label: str  # the button on the inbox list ("Open the form")


@dataclass(frozen=True)
class Composer:
    """What the reply box adds for the channel."""

    cc: bool = False  # a CC field, filled like "reply all" (e-mail)
    max_length: int | None = None  # characters the channel takes in one message
    segment_length: int | None = None  # the box counts segments of this many characters (SMS)
    hint: str = ""  # one line under the box ("Sent as SMS: plain text only")
    # A template of the channel's own, included in the reply box (WhatsApp's buttons and
    # template picker); it sees the page's context and ``composer_context``'s additions.
    extras_template: str = ""


@dataclass(frozen=True)
class ReplyWindow:
    """How long the provider lets the business answer freely after the customer's last
    message (WhatsApp, Messenger and Instagram: 24 hours), and what may still leave after.

    ``closes_at`` None: the customer never wrote, so the window never opened. Once it is
    closed only a reply whose extras hold one of ``allowed_after`` (``"template"``: an
    approved WhatsApp template) may be sent; ``conversations.actions.send_reply`` refuses
    the rest with ``refusal``, and the reply box offers only what ``after`` names.
    """

    closes_at: datetime | None
    after: str  # what may be sent once it closed ("an approved template"); "": nothing
    allowed_after: tuple[str, ...] = ("template",)
    length: timedelta = timedelta(hours=24)

    def is_open(self, now: datetime) -> bool:
        return self.closes_at is not None and now < self.closes_at

    def permits(self, extras: Mapping[str, Any] | None, now: datetime) -> bool:
        """Whether a reply with these extras may leave now."""
        return self.is_open(now) or any(key in (extras or {}) for key in self.allowed_after)

    def words(self, now: datetime) -> str:
        """The reply box's line: "Window closes in 3 h 12 min", or why it is closed."""
        hours = int(self.length.total_seconds() // 3600)
        span = f"{hours // 24}-day" if hours > 24 and hours % 24 == 0 else f"{hours}-hour"
        can = f"only {self.after} can be sent" if self.after else "nothing can be sent"
        if self.closes_at is None:
            return f"The customer has not written yet: {can}"
        if self.is_open(now):
            return f"Window closes in {_duration(self.closes_at - now)}"
        return (
            f"The {span} window closed {_duration(now - self.closes_at)} ago: {can} until"
            " the customer writes again"
        )

    def refusal(self, now: datetime) -> str:
        if not self.after:  # nothing passes after it: no choice to point to
            return f"{self.words(now)}."
        return f"{self.words(now)}. Free text is refused outside the window; choose {self.after}."


def window_after(
    last_customer_message_at: datetime | None,
    *,
    after: str,
    hours: int = 24,
    allowed_after: tuple[str, ...] = ("template",),
) -> ReplyWindow:
    """The window that the customer's last message opened (``Channel.reply_window``)."""
    length = timedelta(hours=hours)
    closes = last_customer_message_at + length if last_customer_message_at else None
    return ReplyWindow(closes_at=closes, after=after, allowed_after=allowed_after, length=length)


def _duration(span: timedelta) -> str:
    minutes = max(int(span.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


@dataclass(frozen=True)
class Reply:
    """An agent's reply as the reply box posted it; ``form`` holds the channel's extras."""

    conversation: Conversation
    author: User
    text: str
    attachments: Sequence[UploadedFile]
    status_after: str | None
    form: QueryDict

    def arguments(self) -> dict[str, Any]:
        """What ``conversations.actions.send_reply`` takes."""
        return {
            "conversation": self.conversation,
            "author": self.author,
            "text": self.text,
            "attachments": self.attachments,
            "status_after": self.status_after,
        }


class Channel:
    """One channel's description. Subclass it and fill in what the channel has."""

    kind: ClassVar[str]  # stored on the inbox; also the folder's name
    label: ClassVar[str]  # "E-mail", shown wherever the kind is
    icon: ClassVar[str] = "code"  # a name of core's icon set
    tint: ClassVar[tuple[str, str]] = ("#eef0f3", "#52606d")  # the icon's background, colour
    # How "New inbox" offers a channel with a settings tab: a title and one line under it.
    pick: ClassVar[tuple[str, str]] = ("", "")
    address_kind: ClassVar[str]  # the customer identity kind the channel knows people by
    # A kind of address the channel brings (a messenger's user id), added to the customers'
    # address kinds when the channel is loaded; None when ``address_kind`` is a known one.
    address: ClassVar[AddressKind | None] = None
    # Settings: a typed form; shown on the General page (``settings_tab`` None) or on a tab.
    settings_form: ClassVar[type[ChannelSettingsForm] | None] = None
    settings_tab: ClassVar[SettingsTab | None] = None
    settings_title: ClassVar[str] = ""  # the General page's heading of its fields; "": label
    # How the form's fields are laid out on the General page (the fields of ``form``).
    settings_fields_template: ClassVar[str] = "inboxes/settings/_channel_fields.html"
    composer: ClassVar[Composer] = Composer()
    # Replies leave by e-mail signed for this inbox (``adapters/replymail.py``), and an
    # e-mailed answer continues the conversation (``email/threads.py``).
    replies_by_email: ClassVar[bool] = False
    # The receiving side recognises a repeat of one delivery by its key (a signed webhook's
    # X-Rapport-Delivery), so after a lost answer the outbox may send it again; otherwise
    # the delivery becomes "unknown" instead of going out twice (``outbox.senders``).
    repeat_safe: ClassVar[bool] = False
    live: ClassVar[bool] = False  # the customer's own widgets hear new messages (chat)
    url_prefix: ClassVar[str] = ""  # the channel's public URLs (inbound_urls) live under it
    # Providers post to /channels/<kind>/<public key> (``verify``, ``parse``); the settings
    # tab shows that URL to paste into the provider's console.
    takes_webhooks: ClassVar[bool] = False
    max_inbound_bytes: ClassVar[int] = 1024 * 1024  # a larger webhook body is refused (413)
    # The request headers ``parse`` reads, stored with the raw body (store first).
    kept_headers: ClassVar[tuple[str, ...]] = ()

    # Settings -----------------------------------------------------------------------

    def clean_config(
        self, values: Mapping[str, Any], previous: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The inbox settings to store, checked; ``previous`` supplies secrets left blank."""
        return {}

    def initial(self, inbox: Inbox) -> dict[str, Any]:
        """The settings form's values for a stored inbox (never its secrets)."""
        return dict(inbox.config)

    def settings_context(self, request: HttpRequest, inbox: Inbox | None) -> dict[str, Any]:
        """What the settings tab shows beside the form (webhook URLs to paste, a snippet)."""
        return {}

    def connect(self, inbox: Inbox) -> str:
        """Tell the provider about the saved inbox, for providers that are told where to
        post rather than shown it (Telegram's setWebhook). Called by the settings tab after
        a save; returns what went wrong in plain words, or "" (the default: nothing to do)."""
        return ""

    # A card's problem line on the inbox list, given ``status`` from ``problems``.
    status_template: ClassVar[str] = ""

    def problems(self, inbox_ids: list[int]) -> dict[int, object]:
        """What is failing in these inboxes (by id), for the inbox list; none by default."""
        return {}

    def public_link(self, request: HttpRequest, inbox: Inbox) -> PublicLink | None:
        """A page customers open (a web form's), shown on the inbox list and settings."""
        return None

    # URLs ---------------------------------------------------------------------------

    def inbound_urls(self) -> Urls:
        """The channel's public URLs, mounted at /<url_prefix>/ (widgets, provider webhooks)."""
        return []

    def settings_urls(self) -> Urls:
        """More settings pages of the channel, mounted under /settings/inboxes/."""
        return []

    # Inbound webhooks (POST /channels/<kind>/<public key>) ----------------------------

    def verify(self, request: HttpRequest, inbox: Inbox, body: bytes) -> None:
        """Refuse a request the provider did not send: check its signature over ``body``.

        The default refuses everything, so a channel that forgets to check takes nothing.
        Compare with ``hmac.compare_digest``; raise ``InboundRefused``.
        """
        raise InboundRefused(f"the {self.label} channel takes no webhooks")

    def request_key(self, request: HttpRequest, inbox: Inbox, body: bytes) -> str:
        """The provider's id for what a verified request carries (a message id; a status
        callback's message id and status), read cheaply before anything is stored: a retry
        or a parallel duplicate has the same key and is stored once. The default is the
        body's SHA-256. ``ValidationFailed`` when the body is unreadable (400, not stored)."""
        import hashlib

        return hashlib.sha256(body).hexdigest()

    def parse(
        self, request: HttpRequest, inbox: Inbox, body: bytes
    ) -> Sequence[InboundMessage | StatusUpdate | MessageAddition]:
        """The customer messages (``conversations.inbound``, the sender's address
        normalised for ``address_kind``) and delivery-status updates in a verified
        request; ``ValidationFailed`` when unreadable. Runs again when the stored request
        is processed, with a request rebuilt from the kept headers."""
        raise ValidationFailed(f"the {self.label} channel takes no webhooks")

    def complete(self, inbox: Inbox, message: InboundMessage) -> InboundMessage:
        """What ``parse`` leaves for later because it asks the provider: the sender's name,
        the files the message links to. Runs only when the stored request is processed (in
        the job), never while the provider waits for its answer. A failure here must not
        lose the message: return it with a note in its text instead of raising."""
        return message

    def complete_addition(self, inbox: Inbox, addition: MessageAddition) -> MessageAddition:
        """``complete`` for a ``MessageAddition``: the files it points to fetched (a
        voicemail's recording), in the job only; a file that cannot be fetched becomes a
        note in its text."""
        return addition

    def handshake(self, request: HttpRequest, inbox: Inbox) -> HttpResponse:
        """The answer to a GET on the webhook URL: providers that check a URL before they
        use it (a verify token, a challenge) get what they expect; others a 405."""
        from django.http import JsonResponse

        return JsonResponse({"error": "use POST"}, status=405, headers={"Allow": "POST"})

    def answer(self, request: HttpRequest, inbox: Inbox, stored: int) -> HttpResponse:
        """The provider's expected answer once the request is stored (``stored`` is 1 for
        a new request, 0 for one stored before)."""
        from django.http import JsonResponse

        return JsonResponse({"stored": stored})

    # Live updates -------------------------------------------------------------------

    def live_groups(self, conversation: Conversation) -> list[str]:
        """The channel-layer groups of the customer's open widgets (``live`` channels)."""
        return []

    def live_message(self, message: Message) -> dict[str, object]:
        """What those widgets get of a new message of the conversation."""
        return {}

    def customer_tools(self, conversation: Conversation, user: User) -> list[Tool]:
        """Buttons the channel offers on the conversation's customer card (any channel may
        offer them, whatever the conversation's own inbox is); none by default."""
        return []

    # Replies ------------------------------------------------------------------------

    def send_reply(self, reply: Reply, plain: Callable[..., Message]) -> Message:
        """The reply box's send. ``plain`` is conversations' ``send_reply`` (the channels'
        registry sits below conversations, so the caller hands it down); a channel whose
        box adds fields reads them from ``reply.form`` and sends through its own action."""
        return plain(**reply.arguments())

    def composer_context(
        self, conversation: Conversation, messages_list: list[Message] | None
    ) -> dict[str, Any]:
        """What the reply box shows for this conversation beyond ``composer`` (the CC)."""
        return {}

    def reply_window(self, conversation: Conversation) -> ReplyWindow | None:
        """The provider's customer-service window for this conversation (``ReplyWindow``),
        or None when the channel has none (e-mail, chat, SMS)."""
        return None

    def send(self, delivery: Delivery, message: Message) -> str | Handed:
        """Send ``message`` to the customer; return the channel's id for it (may be empty),
        or a ``Handed`` that also says how it was delivered, in words.

        Raise ``DeliveryError`` (``rapport.outbox.errors``; ``permanent=True`` for what no
        retry will fix). The registry hands this to the outbox when it loads the channels.
        """
        raise NotImplementedError
