"""Staff: agents and their roles, teams, and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    SUPERVISOR = "supervisor", "Supervisor"
    AGENT = "agent", "Agent"
    # Every staff member can have a seat: they add internal notes and get mentioned,
    # but do not answer customers.
    LIGHT = "light", "Light seat"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("role", Role.ADMIN)
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A staff member who signs in: an agent in the UI's words. Signs in with their e-mail."""

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField("e-mail address", unique=True)
    name = models.CharField(max_length=150)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    signature = models.TextField(blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["name"]
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    # Not fields: an API token's scope, set on the request's own copy of its user by
    # ``accounts.tokens`` (None and False for a browser session and a full token).
    inbox_limit: frozenset[int] | None = None
    read_only: bool = False
    token_expires_at: datetime | None = None

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def sees_all_by_role(self) -> bool:
        """Admins and supervisors see every inbox (before any token's inbox limit)."""
        return self.role in {Role.ADMIN, Role.SUPERVISOR}

    @property
    def sees_all_inboxes(self) -> bool:
        """Every inbox, with no exception: the shortcut every selector may take."""
        return self.sees_all_by_role and self.inbox_limit is None

    @property
    def can_reply(self) -> bool:
        return self.role != Role.LIGHT

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def initials(self) -> str:
        parts = (self.name or self.email).split()
        return "".join(part[0] for part in parts[:2]).upper()


class Team(models.Model):
    """A group of agents that conversations can be assigned to (e.g. Billing, Tier 2)."""

    name = models.CharField(max_length=100, unique=True)
    members = models.ManyToManyField(User, related_name="teams", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TokenAccess(models.TextChoices):
    FULL = "full", "Full access"
    READ = "read", "Read only"


class ApiToken(models.Model):
    """A named, revocable key for the REST API. Only a hash of the secret is stored.

    It acts as ``user`` and never holds more than them: its access (read only or full) and
    its inboxes only narrow what ``user`` may do, checked at every use.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    # Who made it: an admin may make a token acting as someone else; it works only while
    # that admin is still an active admin.
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    access = models.CharField(max_length=8, choices=TokenAccess.choices, default=TokenAccess.FULL)
    # With ``limited_to_inboxes``, only these of the inboxes ``user`` sees (none left: none).
    limited_to_inboxes = models.BooleanField(default=False)
    inboxes = models.ManyToManyField("inboxes.Inbox", blank=True, related_name="+")
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @property
    def is_expired(self) -> bool:
        from django.utils import timezone

        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def read_only(self) -> bool:
        return self.access == TokenAccess.READ


class TwoFactor(models.Model):
    """A staff member's authenticator app (TOTP). Until ``confirmed_at`` is set it is only
    being enrolled: the secret is shown, but sign-in does not ask for a code yet."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="two_factor")
    # The base32 secret authenticator apps read, encrypted (core/encryption.py): a database
    # backup alone cannot make codes. Read it through ``actions.two_factor``.
    encrypted_secret = models.TextField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The 30-second time step of the last code accepted: a code is refused unless its step
    # is later, so a code seen over someone's shoulder cannot be used again in its window.
    last_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"two-factor of {self.user}"

    @property
    def is_on(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(models.Model):
    """One single-use code for when the authenticator app is lost. Only a hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code of {self.user}"


class SignInPolicy(models.Model):
    """Installation-wide sign-in rules set by an admin (one row, ``pk=1``)."""

    # Role values (``Role``) whose members must use two-factor sign-in.
    two_factor_roles = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return "sign-in policy"

    @classmethod
    def current(cls) -> SignInPolicy:
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy

    def requires_two_factor(self, role: str) -> bool:
        return role in self.two_factor_roles


class Invitation(models.Model):
    """A one-time, expiring link that lets someone set up their own seat (name, password),
    with the role, teams and inboxes the admin chose. Only a hash of the link's secret is
    stored."""

    email = models.EmailField("e-mail address")
    name = models.CharField(max_length=150, blank=True)  # a suggestion; they choose
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    teams = models.ManyToManyField(Team, blank=True, related_name="+")
    inboxes = models.ManyToManyField("inboxes.Inbox", blank=True, related_name="+")
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation of {self.email}"

    @property
    def is_expired(self) -> bool:
        from django.utils import timezone

        return self.expires_at <= timezone.now()

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired
