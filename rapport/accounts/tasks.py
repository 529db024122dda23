"""Jobs of accounts: the password-reset mail, sent by the worker.

Sending it inside the request would take an SMTP round trip only when the address has a
seat, and that time difference would tell who has one (issue 21, hole 7). The request
only enqueues the seat's id; the link's token is made here, when the mail is written.
"""

from __future__ import annotations

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from huey.contrib.djhuey import db_task

from rapport.accounts.models import User

SUBJECT_TEMPLATE = "accounts/emails/password_reset_subject.txt"
BODY_TEMPLATE = "accounts/emails/password_reset.txt"


def send_password_reset(user_id: int, domain: str, use_https: bool) -> None:
    """Write and send the reset mail of one active seat; nothing for an unknown id."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    context = {
        "email": user.email,
        "domain": domain,
        "site_name": domain,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if use_https else "http",
        "product": "Rapport",
    }
    PasswordResetForm().send_mail(SUBJECT_TEMPLATE, BODY_TEMPLATE, context, None, user.email)


send_password_reset_task = db_task()(send_password_reset)
