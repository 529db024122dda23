"""Reading Twilio Voice's form-encoded requests, which all come to the inbox's one webhook
URL, told apart by their fields (Twilio's documented Voice request parameters):

- the incoming call (``CallSid``, ``From``, ``To``, ``CallStatus`` ringing, ``Direction``);
- ``<Dial>``'s action when the forwarded call ends (``DialCallStatus``, ``DialCallDuration``);
- ``<Record>``'s action when the voicemail ends (``RecordingUrl``, no ``RecordingStatus``);
- the recording status callback (``RecordingSid``, ``RecordingStatus``, ``RecordingUrl``,
  ``RecordingDuration``; it carries no ``From``);
- the transcription callback (``TranscriptionSid``, ``TranscriptionStatus``,
  ``TranscriptionText``);
- a status callback of the call itself (``CallStatus`` completed, busy…), and the status
  callbacks of replies sent as SMS from the number (``MessageStatus``, as SMS's).

What becomes of them: an answered call is a message "Call from … answered, 4 min 12 s" on
the customer's conversation; a missed one a message "Missed call from …" (opening a
conversation "Missed call" when there is none to continue); a voicemail's recording and
then its transcription are added to that same message (``MessageAddition``), found by
the call's SID, its external id.
"""

from __future__ import annotations

from rapport.conversations.inbound import InboundMessage, Sender
from rapport.core.errors import ValidationFailed
from rapport.customers.identities import normalize_address
from rapport.inboxes.adapters.sms import inbound as sms
from rapport.inboxes.adapters.twilio import Media
from rapport.inboxes.channels import MessageAddition, StatusUpdate

ANSWERED = {"completed", "answered"}
MISSED = {"no-answer", "busy", "failed", "canceled"}
NOT_ANSWERED_YET = {"queued", "ringing", "in-progress"}
Item = InboundMessage | StatusUpdate | MessageAddition


def call_sid(fields: dict[str, str]) -> str:
    sid = fields.get("CallSid", "")
    if not sid:
        raise ValidationFailed("the form has no CallSid")
    return sid


def event(fields: dict[str, str]) -> str:
    """Which request this is: message-status, transcription, recording, dial, recorded,
    call or call-status."""
    if sms.is_status(fields):
        return "message-status"
    call_sid(fields)
    if fields.get("TranscriptionSid"):
        return "transcription"
    if fields.get("RecordingStatus"):
        return "recording"
    if fields.get("DialCallStatus"):
        return "dial"
    if fields.get("RecordingUrl"):
        return "recorded"
    if fields.get("CallStatus", "") in NOT_ANSWERED_YET:
        return "call"
    return "call-status"


def key(fields: dict[str, str]) -> str:
    """One stored row per request Twilio makes: a call brings several, each kept once."""
    kind = event(fields)
    if kind == "message-status":
        return sms.key(fields)
    sid = call_sid(fields)
    extra = {
        "transcription": fields.get("TranscriptionSid", ""),
        "recording": f"{fields.get('RecordingSid', '')}:{fields.get('RecordingStatus', '')}",
        "call-status": fields.get("CallStatus", ""),
    }.get(kind, "")
    return f"{sid}:{kind}:{extra}" if extra else f"{sid}:{kind}"


def duration(seconds_text: str) -> str:
    """ "4 min 12 s", "45 s", "1 h 2 min" from a number of seconds."""
    try:
        seconds = max(int(seconds_text or 0), 0)
    except ValueError:
        seconds = 0
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def caller(fields: dict[str, str]) -> str | None:
    """The caller's E.164 number; None for a hidden or unusable caller ID ("anonymous")."""
    if not fields.get("From"):
        raise ValidationFailed("the form has no From number")
    try:
        return normalize_address("phone", fields.get("From", ""))
    except ValidationFailed:
        return None


def call_message(fields: dict[str, str], answered: bool) -> list[Item]:
    number = caller(fields)
    if number is None:  # nobody to put it on, or to call back: the stored request stays
        return []
    if answered:
        text = f"Call from {number} answered, {duration(fields.get('DialCallDuration', ''))}"
    else:
        text = f"Missed call from {number}"
    return [
        InboundMessage(
            sender=Sender("phone", number),
            text=text,
            subject="Call" if answered else "Missed call",
            external_id=call_sid(fields),
            raw=fields,
        )
    ]


def recording(fields: dict[str, str]) -> MessageAddition:
    status = fields.get("RecordingStatus", "")
    if status == "completed":
        text = f"Voicemail, {duration(fields.get('RecordingDuration', ''))}"
    elif status == "absent":
        text = "No voicemail was left."
    else:
        text = f"The voicemail could not be recorded (Twilio: {status or 'no status'})."
    return MessageAddition(external_id=call_sid(fields), text=text, raw=fields)


def recording_media(fields: dict[str, str]) -> Media | None:
    """The voicemail's audio on Twilio, as MP3 (Twilio serves a recording's URL + .mp3)."""
    url, sid = fields.get("RecordingUrl", ""), fields.get("RecordingSid", "recording")
    if fields.get("RecordingStatus") != "completed" or not url:
        return None
    return Media(url=url + ".mp3", content_type="audio/mpeg", name=f"voicemail-{sid}.mp3")


def transcription(fields: dict[str, str]) -> MessageAddition:
    if fields.get("TranscriptionStatus") == "completed":
        words = fields.get("TranscriptionText", "").strip() or "(no words recognised)"
        text = f"Transcription: “{words}”"
    else:
        text = "Twilio could not transcribe the voicemail."
    return MessageAddition(external_id=call_sid(fields), text=text)


def items(fields: dict[str, str]) -> list[Item]:
    """What the request adds to the timeline (see the module docstring)."""
    kind = event(fields)
    if kind == "message-status":
        return [sms.status_update(fields)]
    if kind == "dial":
        status = fields["DialCallStatus"]
        if status in ANSWERED:
            return call_message(fields, answered=True)
        return call_message(fields, answered=False) if status in MISSED else []
    if kind == "recorded":  # the voicemail's end: the call was missed, whatever came first
        return call_message(fields, answered=False)
    if kind == "recording":
        return [recording(fields)]
    if kind == "transcription":
        return [transcription(fields)]
    return []  # the ringing call (answered with TwiML) and the call's own statuses
