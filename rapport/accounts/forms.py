"""Forms of the sign-in pages and of the settings area (agents, teams, API tokens)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone

from rapport.accounts.models import Role, Team, TokenAccess, User
from rapport.inboxes.models import Inbox


class EmailLoginForm(AuthenticationForm):
    """Django's sign-in form, asking for the e-mail address (our username)."""

    username = forms.EmailField(
        label="E-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That e-mail and password do not match a seat. Check both and try again.",
    }

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"]).strip().lower()


def active_staff() -> Any:
    return User.objects.filter(is_active=True).order_by("name")


MAX_ID_DIGITS = 18


def _too_long(values: Any) -> bool:
    # A 64-bit id has at most 19 digits; SQLite raises OverflowError instead of "not found".
    return any(len(str(value)) > MAX_ID_DIGITS for value in values)


class StaffChoice(forms.ModelChoiceField):
    """One staff member by id; an absurd id is an invalid choice, not a database error."""

    def to_python(self, value: Any) -> Any:
        if value and _too_long([value]):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class StaffChoices(forms.ModelMultipleChoiceField):
    """Several staff members by id, with the same guard as ``StaffChoice``."""

    def clean(self, value: Any) -> Any:
        if value and _too_long(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": "?"},
            )
        return super().clean(value)


class InviteForm(forms.Form):
    """Settings → Agents → Invite: who, with which role, teams and inboxes."""

    email = forms.EmailField(label="E-mail", max_length=254)
    name = forms.CharField(
        max_length=150, required=False, help_text="Optional: they can change it when they accept."
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.AGENT)
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    inboxes = forms.ModelMultipleChoiceField(
        queryset=Inbox.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Admins and supervisors see every inbox anyway.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = Team.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["inboxes"].queryset = Inbox.objects.order_by("name")  # type: ignore[attr-defined]


class AcceptInvitationForm(forms.Form):
    name = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters; not a common password.",
    )
    password_again = forms.CharField(
        label="Password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return data


class AgentEditForm(forms.Form):
    name = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=Role.choices)


class TeamForm(forms.Form):
    name = forms.CharField(max_length=100)
    members = StaffChoices(
        queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = active_staff()  # type: ignore[attr-defined]


class TokenForm(forms.Form):
    """Settings → API tokens. ``user`` (acts as) is offered to admins only."""

    name = forms.CharField(max_length=100, help_text="What will use it, e.g. “Shop integration”.")
    access = forms.ChoiceField(
        choices=TokenAccess.choices,
        initial=TokenAccess.FULL,
        required=False,  # left out: full access, as before tokens had scopes
        widget=forms.RadioSelect,
        help_text="Read only: it can look, never change anything.",
    )
    inboxes = forms.ModelMultipleChoiceField(
        queryset=Inbox.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Limited to inboxes",
        help_text="None ticked: every inbox its owner sees.",
    )
    expires_on = forms.DateField(
        required=False,
        label="Expires on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: it never expires.",
    )
    user = StaffChoice(
        queryset=User.objects.none(),
        label="Acts as",
        help_text="The token can see and do at most what this person can.",
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from rapport.inboxes.selectors import visible_inboxes

        self.fields["inboxes"].queryset = visible_inboxes(actor).order_by("name")  # type: ignore[attr-defined]
        if actor.is_admin:
            self.fields["user"].queryset = active_staff()  # type: ignore[attr-defined]
        else:
            del self.fields["user"]

    def clean_access(self) -> str:
        return str(self.cleaned_data.get("access") or TokenAccess.FULL)

    def clean_expires_on(self) -> date | None:
        day: date | None = self.cleaned_data.get("expires_on")
        if day is not None and day <= timezone.localdate():
            raise forms.ValidationError("Choose a day after today.")
        return day

    def expires_at(self) -> datetime | None:
        """The end of the chosen day, in the server's time zone."""
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return timezone.make_aware(datetime.combine(day, time.max))


class CodeForm(forms.Form):
    """A six-digit code from the authenticator app, or a recovery code (xxxxx-xxxxx)."""

    code = forms.CharField(
        max_length=32,
        label="Code",
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "spellcheck": "false",
                "placeholder": "123456",
            }
        ),
    )


class TurnOffTwoFactorForm(forms.Form):
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    code = forms.CharField(
        max_length=32,
        label="Code from your app",
        help_text="Or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )


class SignInPolicyForm(forms.Form):
    two_factor_roles = forms.MultipleChoiceField(
        choices=[
            ("admin", "Admins"),
            ("supervisor", "Supervisors"),
            ("agent", "Agents"),
            ("light", "Light seats"),
        ],
        required=False,
        label="Require two-factor for",
        widget=forms.CheckboxSelectMultiple,
    )
