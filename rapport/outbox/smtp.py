"""Sending one e-mail at most once over SMTP, and saying in words what went wrong.

An SMTP server cannot be asked afterwards whether it took a message, so the session is
walked step by step to know how far it got. Up to the end of the message's data nothing
has been handed over: any failure there is safe to retry. Once the whole message has been
sent, a broken connection or a timeout leaves it open whether the server kept it — that
attempt is "ambiguous" and the outbox marks it "unknown" instead of sending it again.
Just before the data, the sender marks the delivery ``handing_over``, so a worker killed
after that point is treated the same way.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import sanitize_address

from rapport.outbox.errors import DeliveryError

Security = Literal["tls", "starttls", "none"]
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: Security = "none"
    username: str = ""
    password: str = ""
    timeout: float = 30

    @property
    def name(self) -> str:
        return self.host if self.port in (25, 465, 587) else f"{self.host}:{self.port}"


def site_server() -> SmtpServer | None:
    """The site's SMTP server, when Django's SMTP backend is the one configured."""
    if settings.EMAIL_BACKEND != SMTP_BACKEND:
        return None  # anymail, the console or the tests' memory backend
    security: Security = "tls" if settings.EMAIL_USE_SSL else "none"
    if settings.EMAIL_USE_TLS:
        security = "starttls"
    return SmtpServer(
        host=settings.EMAIL_HOST,
        port=int(settings.EMAIL_PORT),
        security=security,
        username=settings.EMAIL_HOST_USER or "",
        password=settings.EMAIL_HOST_PASSWORD or "",
        timeout=float(settings.EMAIL_TIMEOUT or 30),
    )


def send_once(
    mail: EmailMessage, server: SmtpServer | None, *, handing_over: Callable[[], None]
) -> None:
    """Send ``mail``; call ``handing_over`` right before the point of no return.

    Raises ``DeliveryError`` whose words say what happened; ``ambiguous`` when the server
    may have the message although it did not say so.
    """
    if server is None:
        _send_by_backend(mail, handing_over)
        return
    session = Session(server)
    try:
        session.send(mail, handing_over)
    finally:
        session.close()


def _send_by_backend(mail: EmailMessage, handing_over: Callable[[], None]) -> None:
    # A backend other than SMTP (an e-mail service's API) is one call: no step to watch.
    # Its request left once the call started; only a read timeout says the answer, not
    # the request, was lost (a refused connection or an error answer sent nothing).
    handing_over()
    try:
        sent = mail.send()
    except Exception as error:  # the backend's own errors (anymail wraps requests')
        if _answer_lost(error):
            raise DeliveryError(
                "The e-mail service did not answer after the message was sent to it, so it "
                "may have been sent. Check with the recipient before sending it again.",
                ambiguous=True,
            ) from None
        raise DeliveryError(f"The e-mail service did not take the message: {error}") from None
    if not sent:
        raise DeliveryError("The e-mail service did not take the message")


def _answer_lost(error: BaseException | None) -> bool:
    """Whether ``error`` or one it wraps is a read timeout (requests' ``ReadTimeout``)."""
    seen = 0
    while error is not None and seen < 10:
        if type(error).__name__ == "ReadTimeout":
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


class Session:
    """One SMTP conversation that knows whether the message has been handed over."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server
        self.client: smtplib.SMTP | None = None
        self.data_sent = False

    def send(self, mail: EmailMessage, handing_over: Callable[[], None]) -> None:
        encoding = mail.encoding or settings.DEFAULT_CHARSET
        sender = sanitize_address(mail.from_email, encoding)
        recipients = [sanitize_address(to, encoding) for to in mail.recipients()]
        try:
            self._open()
            self._envelope(sender, recipients)
            self._data(_wire_bytes(mail), handing_over)
        except DeliveryError:
            raise
        except (smtplib.SMTPException, OSError) as error:
            if self.data_sent:
                raise DeliveryError(ambiguous_words(self.server), ambiguous=True) from None
            raise words_for(error, self.server) from None

    def check(self, sender: str) -> None:
        """What a send does short of a recipient: connect, log in, MAIL FROM, then RSET."""
        try:
            self._open()
            assert self.client is not None
            code, answer = self.client.mail(sanitize_address(sender, settings.DEFAULT_CHARSET))
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, answer, sender)
            self.client.rset()
        except (smtplib.SMTPException, OSError) as error:
            raise words_for(error, self.server) from None

    def _open(self) -> None:
        server = self.server
        context = ssl.create_default_context()
        if server.security == "tls":
            self.client = smtplib.SMTP_SSL(
                server.host, server.port, timeout=server.timeout, context=context
            )
        else:
            self.client = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        self.client.ehlo()
        if server.security == "starttls":
            self.client.starttls(context=context)
            self.client.ehlo()
        if server.username:
            self.client.login(server.username, server.password)

    def _envelope(self, sender: str, recipients: list[str]) -> None:
        assert self.client is not None
        code, answer = self.client.mail(sender)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, answer, sender)
        refused = {}
        for recipient in recipients:
            code, answer = self.client.rcpt(recipient)
            if code not in (250, 251):
                refused[recipient] = (code, answer)
        if len(refused) == len(recipients):  # as smtplib does: sent to those accepted
            raise smtplib.SMTPRecipientsRefused(refused)

    def _data(self, message: bytes, handing_over: Callable[[], None]) -> None:
        assert self.client is not None
        self.client.putcmd("data")
        code, answer = self.client.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, answer)
        handing_over()  # from here on, a lost answer may mean it was sent
        self.client.send(_dot_stuffed(message))
        self.data_sent = True
        code, answer = self.client.getreply()
        if code != 250:
            self.data_sent = False  # a clear refusal: the server did not keep it
            raise smtplib.SMTPDataError(code, answer)

    def close(self) -> None:
        if self.client is None:
            return
        try:
            self.client.quit()  # the message is already accepted or refused: errors here
        except (smtplib.SMTPException, OSError):  # change nothing
            self.client.close()


def _wire_bytes(mail: EmailMessage) -> bytes:
    # Django's SafeMIME classes take ``linesep`` (as its SMTP backend passes); the stubs
    # see the stdlib Message, whose as_bytes does not.
    message = mail.message()
    return bytes(message.as_bytes(linesep="\r\n"))  # type: ignore[call-arg]


def _dot_stuffed(message: bytes) -> bytes:
    stuffed = re.sub(rb"(?m)^\.", b"..", message)
    if not stuffed.endswith(b"\r\n"):
        stuffed += b"\r\n"
    return stuffed + b".\r\n"


def ambiguous_words(server: SmtpServer) -> str:
    return (
        f"The mail server at {server.name} stopped answering after the whole message was "
        "handed over, so it may have been sent. Check with the recipient before sending "
        "it again."
    )


def words_for(error: BaseException, server: SmtpServer) -> DeliveryError:
    """A failure before the hand-over, in words, and whether it is worth another try."""
    at = f"The mail server at {server.name}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return _refused(error, at)
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return DeliveryError(f"{at} did not accept the user name or password")
    if isinstance(error, smtplib.SMTPSenderRefused):
        return DeliveryError(
            f"{at} refused the sender address {error.sender} ({_said(error)})",
            permanent=_is_5xx(error.smtp_code),
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return DeliveryError(f"{at} answered {_said(error)}", permanent=_is_5xx(error.smtp_code))
    return DeliveryError(_network_words(error, server))


def _network_words(error: BaseException, server: SmtpServer) -> str:
    at = f"The mail server at {server.name}"
    if isinstance(error, socket.gaierror):
        return f"No mail server named {server.host} could be found"
    if isinstance(error, ConnectionRefusedError):
        return f"{at} refused the connection"
    if isinstance(error, ssl.SSLError):
        return f"{at} could not set up a secure connection ({error.reason or error})"
    if isinstance(error, (TimeoutError, socket.timeout)) or "timed out" in str(error):
        # smtplib reports a read timeout as SMTPServerDisconnected("... timed out")
        return f"{at} did not answer within {server.timeout:g} s"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return f"{at} closed the connection"
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return f"{at} does not offer what the settings ask for ({error})"
    return f"{at} could not be reached ({getattr(error, 'strerror', None) or error})"


def _refused(error: smtplib.SMTPRecipientsRefused, at: str) -> DeliveryError:
    codes = [code for code, _ in error.recipients.values()]
    parts = [f"{who} ({code} {_text(answer)})" for who, (code, answer) in error.recipients.items()]
    return DeliveryError(
        f"{at} refused the address {', '.join(parts)}",
        permanent=all(_is_5xx(code) for code in codes),
    )


def _said(error: smtplib.SMTPResponseException) -> str:
    return f"{error.smtp_code} {_text(error.smtp_error)}".strip()


def _text(answer: bytes | str) -> str:
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
    return " ".join(text.split())[:300]


def _is_5xx(code: int) -> bool:
    return 500 <= code < 600
