"""The settings of one e-mail inbox, kept in ``Inbox.config`` and validated here.

Passwords may be given inline or, better, as the name of an environment variable
(``password_env``) so that secrets stay out of the database and its backups.
"""

from __future__ import annotations

import os
from typing import Literal

from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rapport.core.errors import ValidationFailed
from rapport.inboxes.models import Inbox

Security = Literal["tls", "starttls", "none"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerLogin(_Strict):
    host: str = Field(min_length=1, max_length=255)
    port: int = Field(ge=1, le=65535)
    security: Security = "tls"
    username: str = ""
    password: str = ""
    password_env: str = ""  # read the password from this environment variable instead
    timeout: int = Field(default=30, ge=1, le=600)

    def secret(self) -> str:
        if self.password_env:
            return os.environ.get(self.password_env, "")
        return self.password


class ImapSettings(ServerLogin):
    port: int = Field(default=993, ge=1, le=65535)
    folder: str = Field(default="INBOX", min_length=1, max_length=255)
    after_fetch: Literal["keep", "move", "delete"] = "keep"
    move_to: str = Field(default="Rapport/Processed", max_length=255)
    use_idle: bool = True


class SmtpSettings(ServerLogin):
    port: int = Field(default=587, ge=1, le=65535)
    security: Security = "starttls"


class EmailInboxConfig(_Strict):
    """Everything an e-mail inbox needs. ``addresses[0]`` is the From of replies."""

    addresses: list[str] = Field(default_factory=list, max_length=50)
    from_name: str = Field(default="", max_length=100)
    imap: ImapSettings | None = None
    smtp: SmtpSettings | None = None  # None: the site's Django e-mail backend (or anymail)
    auto_acknowledge: bool = False
    # Acknowledge also senders not proven by DMARC: addresses or domains ("shop.example").
    acknowledge_senders: list[str] = Field(default_factory=list, max_length=500)
    auto_acknowledge_text: str = Field(
        default=(
            "Thank you for your message. We have received it and will get back to you soon.\n"
            "Your reference is #{number}."
        ),
        max_length=5000,
    )
    # At most this many automatic mails per conversation and per sender in 24 hours.
    automatic_cap: int = Field(default=3, ge=0, le=100)
    # Sign a token into Reply-To as plus-addressing (support+r-12-ab12@...): needs a mail
    # server that delivers plus addresses to the base mailbox.
    reply_to_token: bool = False
    # Authentication-Results headers are trusted only from these servers (RFC 8601
    # authserv-id); empty: only the topmost header, added by the server that handed us the mail.
    authserv_ids: list[str] = Field(default_factory=list, max_length=10)
    # Provider inbound webhooks: HTTP basic auth "user:password" (all providers) and
    # Mailgun's webhook signing key.
    webhook_basic_auth: str = Field(default="", max_length=200)
    webhook_signing_key: str = Field(default="", max_length=200)
    max_message_bytes: int = Field(default=40 * 1024 * 1024, ge=1024)

    @field_validator("addresses", "acknowledge_senders")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [address.strip().lower() for address in value if address.strip()]

    @property
    def from_address(self) -> str:
        return self.addresses[0] if self.addresses else str(settings.DEFAULT_FROM_EMAIL)


def load_config(inbox: Inbox) -> EmailInboxConfig:
    """The inbox's settings, or a clear ValidationFailed naming the wrong field."""
    try:
        return EmailInboxConfig.model_validate(inbox.config or {})
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "config"
        raise ValidationFailed(f"e-mail inbox settings: {where}: {first['msg']}") from None
