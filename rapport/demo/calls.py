"""The demo's phone line: one missed call whose caller left a voicemail, transcribed.

Made through the actions a real call's requests go through (``receive_message`` for the
missed call, ``add_to_message`` for the recording and then the transcription), so the
timeline shows what Twilio's callbacks would have left there. The recording is two
seconds of generated silence: the demo has no voice to play.
"""

from __future__ import annotations

import io
import wave

from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.conversations.actions import add_to_message, receive_message
from rapport.conversations.inbound import InboundMessage, Sender
from rapport.conversations.models import Message
from rapport.inboxes.models import Inbox

CALL_SID = "CAdemo000000000000000000000000001"
RECORDING_SID = "REdemo000000000000000000000000001"
TRANSCRIPTION = (
    "Hi, this is {name}. I'm calling about order 1042, the ceramic jar came with a cracked"
    " lid. Could someone call me back on this number? Thanks."
)


def silence(seconds: int = 2, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(1)
        audio.setframerate(rate)
        audio.writeframes(b"\x80" * rate * seconds)
    return buffer.getvalue()


def create_voicemail(inbox: Inbox, *, caller: str, name: str) -> Message:
    """The missed call from ``caller`` (a demo customer's phone, so the call lands on that
    customer), with its voicemail and transcription; stamped now, the loader moves it to
    the demo's own time."""
    received = receive_message(
        inbox=inbox,
        message=InboundMessage(
            sender=Sender("phone", caller, name),
            text=f"Missed call from {caller}",
            subject="Missed call",
            external_id=CALL_SID,
        ),
    )
    recording = SimpleUploadedFile(f"voicemail-{RECORDING_SID}.wav", silence(), "audio/wav")
    add_to_message(
        inbox=inbox, external_id=CALL_SID, text="Voicemail, 23 s", attachments=[recording]
    )
    words = TRANSCRIPTION.format(name=name)
    add_to_message(inbox=inbox, external_id=CALL_SID, text=f"Transcription: “{words}”")
    return received.message
