"""The settings forms of an inbox: what every inbox has, plus each kind's own settings.

Web form and API inboxes keep their few settings on ``InboxForm``; e-mail and chat inboxes
have a settings tab of their own (``forms.email``, ``forms.chat``).
"""

from __future__ import annotations

from typing import Any

from django import forms

from rapport.accounts.forms import StaffChoices
from rapport.accounts.models import User
from rapport.core import safe_http
from rapport.inboxes.actions import CONFIG_KEYS
from rapport.inboxes.models import Inbox, InboxKind

DEFAULT_ACCENT = "#4f46e5"
CHANNEL_KINDS = (InboxKind.EMAIL, InboxKind.CHAT)  # set up on a settings tab of their own


class InboxForm(forms.Form):
    name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(
        choices=[(kind, InboxKind(kind).label) for kind in CONFIG_KEYS],  # set up on this page
        initial=InboxKind.WEBFORM,
    )
    greeting = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown under the title of the web form.",
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Active")
    members = StaffChoices(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Agents see only their inboxes; admins and supervisors see every inbox.",
    )
    # Web form
    accent_color = forms.CharField(
        required=False,
        initial=DEFAULT_ACCENT,
        label="Accent colour",
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    title = forms.CharField(required=False, max_length=120, label="Form title")
    from_email = forms.EmailField(
        required=False, label="Replies come from", help_text="Empty: the server's default sender."
    )
    # API
    webhook_url = forms.URLField(
        required=False,
        label="Webhook URL",
        assume_scheme="https",
        help_text="Agents' replies are POSTed here, signed with the secret. Only public"
        " addresses: internal ones (localhost, private networks) are refused.",
    )
    webhook_secret = forms.CharField(
        required=False,
        max_length=200,
        label="Webhook secret",
        help_text="Empty: Rapport makes one. Receivers check X-Rapport-Signature with it.",
    )

    def __init__(self, *args: Any, inbox: Inbox | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff = User.objects.filter(is_active=True).order_by("name")
        self.fields["members"].queryset = staff  # type: ignore[attr-defined]
        if inbox is not None:  # the kind of an existing inbox never changes
            del self.fields["kind"]
        if inbox is not None and inbox.kind in CHANNEL_KINDS:
            # E-mail sends no greeting; the chat greeting sits with the widget's looks.
            del self.fields["greeting"]

    def clean_webhook_url(self) -> str:
        """Internal targets are refused on the field (see ``core.safe_http``)."""
        url = str(self.cleaned_data.get("webhook_url") or "")
        if url.startswith(("http://", "https://")):  # other schemes: clean_config says why
            try:
                safe_http.check_url_to_save(url)
            except safe_http.UnsafeURL as error:
                raise forms.ValidationError(error.message) from None
        return url

    def config(self, kind: str) -> dict[str, Any] | None:
        """The kind's settings from the form; None for kinds whose settings live elsewhere."""
        if kind not in CONFIG_KEYS:
            return None
        return {key: self.cleaned_data.get(key, "") for key in CONFIG_KEYS[InboxKind(kind)]}


def initial_for(inbox: Inbox) -> dict[str, Any]:
    return {
        "name": inbox.name,
        "greeting": inbox.greeting,
        "is_active": inbox.is_active,
        "members": list(inbox.members.all()),
        "accent_color": DEFAULT_ACCENT,
        **inbox.config,
    }


class ChannelBasicsForm(forms.Form):
    """Name and members of a new e-mail or chat inbox, beside its channel settings."""

    name = forms.CharField(max_length=100)
    members = StaffChoices(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Agents see only their inboxes; admins and supervisors see every inbox.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff = User.objects.filter(is_active=True).order_by("name")
        self.fields["members"].queryset = staff  # type: ignore[attr-defined]
