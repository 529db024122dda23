"""The e-mail inbox's settings form: flat fields in, the nested config the channel reads out.

The shape and the final checks belong to ``config.EmailInboxConfig`` (via
``config.clean_email``); this form only turns typed text into values, so a bad
port or address is named next to its field. Passwords are write-only: the page never shows
them, and a blank one keeps what is stored.
"""

from __future__ import annotations

from typing import Any

from django import forms

from rapport.inboxes.adapters.email.config import EmailInboxConfig
from rapport.inboxes.channels import ChannelSettingsForm, number_field, secret_field

SECURITY = [("tls", "TLS (993 / 465)"), ("starttls", "STARTTLS (143 / 587)"), ("none", "None")]
AFTER_FETCH = [
    ("keep", "Keep in the folder"),
    ("move", "Move to a folder"),
    ("delete", "Delete on the server"),
]
MB = 1024 * 1024
DEFAULTS = EmailInboxConfig()


def _env() -> forms.CharField:
    return forms.CharField(
        required=False,
        max_length=100,
        label="…or environment variable",
        help_text="Keeps the password out of the database and its backups.",
    )


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


class EmailSettingsForm(ChannelSettingsForm):
    addresses = forms.CharField(
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line. The first is the From of replies.",
    )
    from_name = forms.CharField(required=False, max_length=100, label="Sender name")
    # IMAP: where mail is fetched from
    imap_enabled = forms.BooleanField(required=False, label="Fetch mail from an IMAP mailbox")
    imap_host = forms.CharField(required=False, max_length=255, label="IMAP server")
    imap_port = number_field("Port", initial=993, high=65535)
    imap_security = forms.ChoiceField(
        required=False, choices=SECURITY, initial="tls", label="Security"
    )
    imap_username = forms.CharField(required=False, max_length=255, label="User name")
    imap_password = secret_field("Password", max_length=500)
    imap_password_env = _env()
    imap_folder = forms.CharField(required=False, max_length=255, initial="INBOX", label="Folder")
    imap_after_fetch = forms.ChoiceField(
        required=False, choices=AFTER_FETCH, initial="keep", label="After fetching"
    )
    imap_move_to = forms.CharField(
        required=False, max_length=255, initial="Rapport/Processed", label="Move to folder"
    )
    imap_use_idle = forms.BooleanField(
        required=False, initial=True, label="Wait for new mail with IMAP IDLE"
    )
    # SMTP: how replies leave
    smtp_enabled = forms.BooleanField(
        required=False, label="Send replies through this mailbox's SMTP server"
    )
    smtp_host = forms.CharField(required=False, max_length=255, label="SMTP server")
    smtp_port = number_field("Port", initial=587, high=65535)
    smtp_security = forms.ChoiceField(
        required=False, choices=SECURITY, initial="starttls", label="Security"
    )
    smtp_username = forms.CharField(required=False, max_length=255, label="User name")
    smtp_password = secret_field("Password", max_length=500)
    smtp_password_env = _env()
    # Automatic mail and trust
    auto_acknowledge = forms.BooleanField(required=False, label="Acknowledge new conversations")
    auto_acknowledge_text = forms.CharField(
        required=False,
        max_length=5000,
        initial=DEFAULTS.auto_acknowledge_text,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Acknowledgement",
        help_text=(
            "{number} becomes the conversation's number. Sent with a fixed subject, never to"
            " machines or lists, and only to senders proven by DMARC (seen by a trusted server"
            " below) or listed under Always acknowledge."
        ),
    )
    automatic_cap = number_field("Automatic mails per day at most", initial=3, low=0, high=100)
    reply_to_token = forms.BooleanField(
        required=False,
        label="Sign replies' Reply-To with a plus address (support+r-…@)",
        help_text="Needs a mail server that delivers plus addresses to the mailbox.",
    )
    authserv_ids = forms.CharField(
        required=False,
        max_length=1000,
        label="Trusted Authentication-Results servers",
        help_text=("Comma separated. Empty: no sender is shown as verified (only failures warn)."),
    )
    acknowledge_senders = forms.CharField(
        required=False,
        max_length=10000,
        label="Always acknowledge",
        help_text="Addresses or domains (comma separated) acknowledged without DMARC proof.",
    )
    max_message_mb = number_field(
        "Largest mail taken (MB)",
        initial=40,
        high=1024,
        help_text=(
            "A larger mail still reaches the inbox without its largest attachments, named in "
            "a note; the sender is told. From an IMAP mailbox, mail over twice this size is "
            "left on the server."
        ),
    )
    # Provider webhooks
    webhook_basic_auth = secret_field("Basic auth (user:password)")
    webhook_signing_key = secret_field("Mailgun signing key")
    forget_webhook_secrets = forms.BooleanField(
        required=False, label="Turn provider webhooks off (forget their secrets)"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stored_secrets = stored_secrets(self.stored)
        for name in self.stored_secrets:
            self.fields[name].widget.attrs["placeholder"] = "stored · blank keeps it"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for section in ("imap", "smtp"):
            if data.get(f"{section}_enabled") and not data.get(f"{section}_host"):
                self.add_error(f"{section}_host", f"Name the {section.upper()} server.")
        return data

    def config(self) -> dict[str, Any]:
        """The nested settings ``EmailInboxConfig`` takes (secrets left blank are kept)."""
        data = self.cleaned_data
        return {
            "addresses": _split(data["addresses"]),
            "from_name": data["from_name"],
            "imap": _server(data, "imap") if data["imap_enabled"] else None,
            "smtp": _server(data, "smtp") if data["smtp_enabled"] else None,
            "auto_acknowledge": data["auto_acknowledge"],
            "auto_acknowledge_text": data["auto_acknowledge_text"]
            or DEFAULTS.auto_acknowledge_text,
            "automatic_cap": _or(data["automatic_cap"], DEFAULTS.automatic_cap),
            "reply_to_token": data["reply_to_token"],
            "authserv_ids": _split(data["authserv_ids"]),
            "acknowledge_senders": _split(data["acknowledge_senders"]),
            "webhook_basic_auth": data["webhook_basic_auth"],
            "webhook_signing_key": data["webhook_signing_key"],
            "forget_webhook_secrets": data["forget_webhook_secrets"],
            "max_message_bytes": _or(data["max_message_mb"], 40) * MB,
        }


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _server(data: dict[str, Any], section: str) -> dict[str, Any]:
    """One server's settings; a field left empty takes the channel's default."""
    keys = ["host", "port", "security", "username", "password", "password_env"]
    if section == "imap":
        keys += ["folder", "after_fetch", "move_to", "use_idle"]
    values = {key: data[f"{section}_{key}"] for key in keys}
    return {key: value for key, value in values.items() if value not in (None, "")}


def stored_secrets(config: dict[str, Any]) -> list[str]:
    """The names of the form's secret fields that have a value stored."""
    names = []
    for section in ("imap", "smtp"):
        if (config.get(section) or {}).get("password"):
            names.append(f"{section}_password")
    names += [key for key in ("webhook_basic_auth", "webhook_signing_key") if config.get(key)]
    return names


def email_initial(config: dict[str, Any]) -> dict[str, Any]:
    """The form's initial values from stored settings; secrets are never sent back."""
    initial: dict[str, Any] = {
        key: config[key]
        for key in (
            "from_name",
            "auto_acknowledge",
            "auto_acknowledge_text",
            "automatic_cap",
            "reply_to_token",
        )
        if key in config
    }
    initial["addresses"] = "\n".join(config.get("addresses") or [])
    initial["authserv_ids"] = ", ".join(config.get("authserv_ids") or [])
    initial["acknowledge_senders"] = ", ".join(config.get("acknowledge_senders") or [])
    if config.get("max_message_bytes"):
        initial["max_message_mb"] = max(1, int(config["max_message_bytes"]) // MB)
    for section in ("imap", "smtp"):
        server = config.get(section)
        initial[f"{section}_enabled"] = bool(server)
        for key, value in (server or {}).items():
            if key != "password":
                initial[f"{section}_{key}"] = value
    return initial
