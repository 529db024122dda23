"""Two-factor sign-in: an authenticator app (TOTP, RFC 6238) and single-use recovery codes.

The actions here are the only writers of ``TwoFactor`` and ``RecoveryCode``. A code is
accepted once: the TOTP step of each accepted code is remembered (``last_step``) and a
recovery code is marked used, each with one conditional UPDATE, so two requests racing
with the same code cannot both win. The TOTP secret is stored encrypted
(``core/encryption.py``) and read only here, through ``_secret``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass

import pyotp
import segno
from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from rapport.accounts.models import RecoveryCode, SignInPolicy, TwoFactor, User
from rapport.core import audit, encryption
from rapport.core.errors import PermissionDenied, RapportError, ValidationFailed
from rapport.core.ratelimit import hit

ISSUER = "Rapport"
RECOVERY_CODES = 10
# Codes are checked against this many steps either side of now (clocks drift).
DRIFT_STEPS = 1
# Wrong codes allowed per person in a window, across every page that asks for one.
ATTEMPTS_PER_WINDOW = 5
WINDOW_SECONDS = 5 * 60
# Recovery codes: 10 characters of a 32-letter alphabet (50 bits), shown as xxxxx-xxxxx.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

logger = logging.getLogger(__name__)


class TooManyAttempts(RapportError):
    """Too many codes tried: the caller answers 429 and asks to wait."""

    status_code = 429
    retry_after = WINDOW_SECONDS


class AuthenticatorUnreadable(RapportError):
    """The stored secret opens with none of the configured keys (``RAPPORT_ENCRYPTION_KEY``
    or ``SECRET_KEY`` changed without the old one listed): the server is at fault, not the
    person, and their recovery codes (stored hashed) still work."""

    status_code = 503


UNREADABLE = (
    "This server cannot check codes from authenticator apps right now: its encryption key "
    "has changed. Sign in with one of your recovery codes, or ask your admin to check the "
    "server's encryption key (rapport check)."
)


@dataclass(frozen=True)
class Enrolment:
    """An authenticator being set up: its secret in base32, to scan or type in."""

    secret: str


def is_enrolled(user: User) -> bool:
    return TwoFactor.objects.filter(user=user, confirmed_at__isnull=False).exists()


def is_required(user: User) -> bool:
    return SignInPolicy.current().requires_two_factor(user.role)


def qr_code_svg(user: User, secret: str) -> SafeString:
    """The enrolment QR code as inline SVG (made here from our own URI, so safe to embed)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#1f2933", omitsize=True)
    return format_html("{}", SafeString(svg))


def start_enrolment(*, user: User) -> Enrolment:
    """A fresh secret for ``user`` to scan; sign-in does not ask for it until confirmed."""
    if is_enrolled(user):
        raise ValidationFailed("two-factor sign-in is already on")
    waiting = TwoFactor.objects.filter(user=user).first()
    if waiting is not None:  # a reload shows the same secret as the QR code already scanned
        try:
            return Enrolment(_secret(waiting))
        except AuthenticatorUnreadable:
            waiting.delete()  # never confirmed, so a new secret costs nobody anything
    secret = pyotp.random_base32()
    TwoFactor.objects.create(user=user, encrypted_secret=encryption.encrypt(secret))
    return Enrolment(secret)


def confirm_enrolment(*, user: User, code: str) -> list[str]:
    """Turn two-factor on once ``code`` from the new secret is right; returns the recovery
    codes in plain text, to be shown once."""
    two_factor = TwoFactor.objects.filter(user=user, confirmed_at__isnull=True).first()
    if two_factor is None:
        raise ValidationFailed("start again: there is no authenticator waiting to be confirmed")
    _limit(user)
    try:
        taken = _take_totp(two_factor, code)
    except AuthenticatorUnreadable:
        raise ValidationFailed(
            "this set-up can no longer be read by the server; start again with a new QR code"
        ) from None
    if not taken:
        raise ValidationFailed("that code is not right; check your app's clock and try again")
    with transaction.atomic():
        two_factor.confirmed_at = timezone.now()
        two_factor.save(update_fields=["confirmed_at"])
        codes = _new_recovery_codes(user)
        audit.record(actor=user, verb="two_factor.enabled", obj=user)
    return codes


def verify_sign_in(*, user: User, code: str) -> None:
    """The second step of signing in: a current code or an unused recovery code."""
    two_factor = TwoFactor.objects.filter(user=user, confirmed_at__isnull=False).first()
    if two_factor is None:
        raise ValidationFailed("two-factor sign-in is not on for this seat")
    _limit(user)
    unreadable: AuthenticatorUnreadable | None = None
    try:
        if _take_totp(two_factor, code):
            return
    except AuthenticatorUnreadable as error:
        unreadable = error  # a recovery code is checked without the secret, so try it
    if _take_recovery_code(user, code):
        left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
        audit.record(actor=user, verb="two_factor.recovery_code_used", obj=user, left=left)
        return
    if unreadable is not None:
        raise unreadable
    raise ValidationFailed("that code is not right, or it was already used")


def disable(*, user: User, password: str, code: str) -> None:
    """Turn two-factor off: needs the password and a current (or recovery) code, and is
    refused while the person's role requires it."""
    if is_required(user):
        raise PermissionDenied(
            f"two-factor sign-in is required for {user.get_role_display()}s; "
            "an admin can change that under Settings → Sign-in"
        )
    if not check_password(password, user.password):
        raise ValidationFailed("the password is not right")
    verify_sign_in(user=user, code=code)
    with transaction.atomic():
        TwoFactor.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        audit.record(actor=user, verb="two_factor.disabled", obj=user)


def renew_recovery_codes(*, user: User, code: str) -> list[str]:
    """Replace every recovery code (the old ones stop working); needs a current code."""
    verify_sign_in(user=user, code=code)
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit.record(actor=user, verb="two_factor.recovery_codes_renewed", obj=user)
    return codes


def reset_by_admin(*, actor: User, agent: User) -> None:
    """An admin removes someone's authenticator (a lost phone): they sign in with their
    password next time, and enrol again if their role requires it."""
    if not actor.is_admin:
        raise PermissionDenied("only admins can reset someone's two-factor sign-in")
    with transaction.atomic():
        TwoFactor.objects.filter(user=agent).delete()
        RecoveryCode.objects.filter(user=agent).delete()
        audit.record(actor=actor, verb="two_factor.reset", obj=agent)


def set_required_roles(*, actor: User, roles: Iterable[str]) -> SignInPolicy:
    """Settings → Sign-in: which roles must use two-factor (they enrol at next sign-in)."""
    if not actor.is_admin:
        raise PermissionDenied("only admins can change sign-in rules")
    chosen = sorted(set(roles))
    with transaction.atomic():
        policy = SignInPolicy.current()
        old = policy.two_factor_roles
        policy.two_factor_roles = chosen
        policy.save(update_fields=["two_factor_roles"])
        audit.record(actor=actor, verb="sign_in_policy.updated", obj=policy, old=old, new=chosen)
    return policy


def _limit(user: User) -> None:
    # Counted before checking, so right and wrong codes cost the same: 5 tries per 5 minutes
    # make guessing a 6-digit code (3 accepted in a window) hopeless.
    if not hit(f"2fa:{user.pk}", limit=ATTEMPTS_PER_WINDOW, window_seconds=WINDOW_SECONDS):
        raise TooManyAttempts("too many codes tried; wait a few minutes and try again")


def reencrypt_secrets() -> tuple[int, int]:
    """Rewrite every stored secret under the current key (after a key rotation, before the
    old key is dropped). Returns (rewritten, unreadable); unreadable ones are left as
    they are and logged."""
    rewritten = unreadable = 0
    for two_factor in TwoFactor.objects.only("pk", "encrypted_secret"):
        if encryption.decrypts_with_current_key(two_factor.encrypted_secret):
            continue
        try:
            fresh = encryption.reencrypt(two_factor.encrypted_secret)
        except encryption.Undecryptable:
            logger.error("two-factor secret %s opens with no configured key", two_factor.pk)
            unreadable += 1
            continue
        # Only if nobody changed it meanwhile (a new enrolment writes a new secret).
        same = TwoFactor.objects.filter(
            pk=two_factor.pk, encrypted_secret=two_factor.encrypted_secret
        )
        rewritten += same.update(encrypted_secret=fresh)
    return rewritten, unreadable


@dataclass(frozen=True)
class StoredSecrets:
    """For ``rapport check``: how the stored secrets stand against the configured keys."""

    total: int
    unreadable: int  # no configured key opens them
    under_old_key: int  # open only with an old key: ``rapport reencrypt`` rewrites them


def stored_secrets() -> StoredSecrets:
    total = unreadable = old = 0
    for stored in TwoFactor.objects.values_list("encrypted_secret", flat=True):
        total += 1
        if encryption.decrypts_with_current_key(stored):
            continue
        try:
            encryption.decrypt(stored)
            old += 1
        except encryption.Undecryptable:
            unreadable += 1
    return StoredSecrets(total, unreadable, old)


def _secret(two_factor: TwoFactor) -> str:
    try:
        return encryption.decrypt(two_factor.encrypted_secret)
    except encryption.Undecryptable:
        # Logged for the operator: a changed key locks every enrolled person out of TOTP.
        source = encryption.configured_keys().source
        logger.error(
            "two-factor secret of user %s opens with no configured key (the current one is "
            "from %s); run `rapport check`",
            two_factor.user_id,
            source,
        )
        raise AuthenticatorUnreadable(UNREADABLE) from None


def _take_totp(two_factor: TwoFactor, code: str) -> bool:
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(_secret(two_factor))
    now_step = totp.timecode(timezone.now())
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if step > two_factor.last_step and hmac.compare_digest(totp.generate_otp(step), code):
            # Only one request can move last_step past this step: a replay finds it taken.
            moved = TwoFactor.objects.filter(pk=two_factor.pk, last_step__lt=step)
            return moved.update(last_step=step) == 1
    return False


def _hash(code: str) -> str:
    # 50 random bits per code and the attempt limit above make a slow hash unnecessary.
    return hashlib.sha256(code.encode()).hexdigest()


def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _take_recovery_code(user: User, code: str) -> bool:
    plain = _normalise_recovery(code)
    if len(plain) != 10:
        return False
    unused = RecoveryCode.objects.filter(user=user, code_hash=_hash(plain), used_at__isnull=True)
    return unused.update(used_at=timezone.now()) == 1


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    plain = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10)) for _ in range(10)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=_hash(code)) for code in plain
    )
    return [f"{code[:5]}-{code[5:]}" for code in plain]


def current_code(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows now (for the demo and tests)."""
    return pyotp.TOTP(secret).at(at if at is not None else time.time())
