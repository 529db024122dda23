"""The forms every inbox has: its name, members, greeting and switch (``InboxForm``), and
the name and members of a new inbox set up on a channel's own tab (``ChannelBasicsForm``).

Each channel's own settings are its ``Channel.settings_form``, in its folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from rapport.accounts.forms import StaffChoices
from rapport.accounts.models import User
from rapport.inboxes.channels import Channel
from rapport.inboxes.models import Inbox


def _members() -> StaffChoices:
    return StaffChoices(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Agents see only their inboxes; admins and supervisors see every inbox.",
    )


class InboxForm(forms.Form):
    name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(choices=[])
    greeting = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown under the title of the web form.",
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Active")
    members = _members()

    def __init__(
        self,
        *args: Any,
        inbox: Inbox | None = None,
        kinds: Sequence[Channel] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        staff = User.objects.filter(is_active=True).order_by("name")
        self.fields["members"].queryset = staff  # type: ignore[attr-defined]
        if inbox is not None:  # the kind of an existing inbox never changes
            del self.fields["kind"]
        else:  # set up on this page: the channels without a tab of their own
            kind = self.fields["kind"]
            kind.choices = [(channel.kind, channel.label) for channel in kinds]  # type: ignore[attr-defined]
            kind.initial = kinds[0].kind if kinds else None


def initial_for(inbox: Inbox) -> dict[str, Any]:
    return {
        "name": inbox.name,
        "greeting": inbox.greeting,
        "is_active": inbox.is_active,
        "members": list(inbox.members.all()),
    }


class ChannelBasicsForm(forms.Form):
    """Name and members of a new inbox, beside its channel's settings on the channel's tab."""

    name = forms.CharField(max_length=100)
    members = _members()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff = User.objects.filter(is_active=True).order_by("name")
        self.fields["members"].queryset = staff  # type: ignore[attr-defined]
