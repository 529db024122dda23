"""The chat inbox's settings form: the widget's looks, hours, identity secret and limits.

Turns typed text into the values ``clean.clean_chat`` checks and the chat channel reads
(``config.chat_settings``); the keys are that module's.
"""

from __future__ import annotations

from typing import Any

from django import forms

from rapport.inboxes.adapters.chat.config import DAYS, DEFAULT_COLOUR
from rapport.inboxes.channels import ChannelSettingsForm, number_field, secret_field

DAY_NAMES = dict(
    zip(
        DAYS,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)
POSITIONS = [("right", "Bottom right"), ("left", "Bottom left")]
LANGUAGES = [("en", "English"), ("de", "Deutsch")]


def _hours_field(day: str) -> forms.CharField:
    return forms.CharField(
        required=False,
        max_length=100,
        label=DAY_NAMES[day],
        widget=forms.TextInput(attrs={"placeholder": "closed", "spellcheck": "false"}),
    )


class ChatSettingsForm(ChannelSettingsForm):
    greeting = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The widget's first words to a visitor.",
    )
    color = forms.CharField(
        required=False,
        initial=DEFAULT_COLOUR,
        label="Colour",
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    position = forms.ChoiceField(required=False, choices=POSITIONS, initial="right")
    language = forms.ChoiceField(required=False, choices=LANGUAGES, initial="en")
    prechat_form = forms.BooleanField(
        required=False, label="Ask for name and e-mail before the chat starts"
    )
    timezone = forms.CharField(
        required=False,
        max_length=60,
        initial="UTC",
        label="Time zone",
        help_text="Such as Europe/Berlin.",
    )
    hours_mon = _hours_field("mon")
    hours_tue = _hours_field("tue")
    hours_wed = _hours_field("wed")
    hours_thu = _hours_field("thu")
    hours_fri = _hours_field("fri")
    hours_sat = _hours_field("sat")
    hours_sun = _hours_field("sun")
    allowed_origins = forms.CharField(
        required=False,
        max_length=5000,
        label="Websites allowed to show the widget",
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "https://shop.example"}),
        help_text="One origin per line. Empty: any website.",
    )
    reply_to = forms.EmailField(
        required=False,
        label="Reply-To of e-mailed replies",
        help_text="A visitor who left gets agents' replies by e-mail; their answers go here.",
    )
    identity_secret = secret_field(
        "Set the identity secret",
        help_text="Blank keeps the current secret (a new inbox gets a generated one).",
    )
    new_identity_secret = forms.BooleanField(
        required=False, label="Generate a new identity secret (signed-in visitors must re-sign)"
    )
    messages_per_ip_minute = number_field(
        "Messages per minute per address", initial=120, high=100_000
    )
    conversations_per_ip_hour = number_field(
        "New chats per hour per address", initial=20, high=100_000
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for day in DAYS:
            spans = _spans(data.get(f"hours_{day}") or "")
            if spans is None:
                self.add_error(f"hours_{day}", "Write opening times as 09:00-17:00, 18:00-20:00.")
        return data

    def config(self) -> dict[str, Any]:
        """The settings ``clean_chat`` takes (the greeting is the inbox's, not here)."""
        data = self.cleaned_data
        keys = (
            "color",
            "position",
            "language",
            "prechat_form",
            "timezone",
            "reply_to",
            "identity_secret",
            "new_identity_secret",
            "messages_per_ip_minute",
            "conversations_per_ip_hour",
        )
        hours = {day: _spans(data[f"hours_{day}"]) or [] for day in DAYS}
        # Left empty: the channel's default (the action fills it in).
        given = {key: data[key] for key in keys if data[key] not in (None, "")}
        return given | {
            "allowed_origins": data["allowed_origins"].split(),
            # No day filled in means always open; otherwise an empty day is a closed day.
            "hours": hours if any(hours.values()) else {},
        }


def _spans(text: str) -> list[list[str]] | None:
    """Typed spans like 09:00-12:00, 13:00-17:00 as pairs; None when unreadable."""
    spans = []
    for part in (piece.strip() for piece in text.split(",") if piece.strip()):
        # An en dash, as typed by habit or pasted from a website, means the same.
        start, dash, end = part.replace("\u2013", "-").partition("-")
        if not dash:
            return None
        spans.append([start.strip(), end.strip()])
    return spans


def chat_initial(inbox_greeting: str, config: dict[str, Any]) -> dict[str, Any]:
    """The form's initial values from the stored settings; the secret is never sent back."""
    initial = {key: value for key, value in config.items() if key != "identity_secret"}
    initial["greeting"] = inbox_greeting
    initial["allowed_origins"] = "\n".join(config.get("allowed_origins") or [])
    for day, spans in (config.get("hours") or {}).items():
        initial[f"hours_{day}"] = ", ".join(f"{start}-{end}" for start, end in spans)
    return initial
