"""The form of Settings → Canned replies. It only parses; the actions decide what is valid."""

from __future__ import annotations

from typing import Any

from django import forms

from rapport.inboxes.models import Inbox
from rapport.replies.models import SHORTCUT_MAX, TITLE_MAX


class InboxScope(forms.ModelChoiceField):
    """The inbox a reply belongs to; the empty choice means every inbox."""

    def to_python(self, value: Any) -> Any:
        # A 64-bit id has at most 19 digits; SQLite raises OverflowError instead of "not found".
        if value and len(str(value)) > 18:
            message = self.error_messages["invalid_choice"]
            raise forms.ValidationError(message, code="invalid_choice")
        return super().to_python(value)


class CannedReplyForm(forms.Form):
    title = forms.CharField(
        max_length=TITLE_MAX,
        help_text="What agents see in the list, e.g. “Refund on its way”.",
    )
    shortcut = forms.CharField(
        max_length=SHORTCUT_MAX + 1,  # room for a leading "/", which is dropped
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="Type / and this in the reply box to insert it: letters, digits, - and _.",
    )
    inbox = InboxScope(
        queryset=Inbox.objects.none(),
        required=False,
        empty_label="All inboxes",
        help_text="Offered only in this inbox's conversations, or in every inbox.",
    )
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8, "data-canned-text": ""}),
        strip=False,  # the action strips, after keeping the lines as written
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inbox"].queryset = Inbox.objects.order_by("name")  # type: ignore[attr-defined]
