"""The TwiML a voice inbox answers Twilio with: ring the team, else take a voicemail.

Built with ElementTree, so numbers and the greeting are escaped as XML, never pasted in.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, SubElement, tostring

VOICEMAIL_SECONDS = 120  # Twilio transcribes recordings of up to two minutes
DEFAULT_GREETING = (
    "Sorry, nobody can take your call right now. Please leave a message after the tone,"
    " and we will call you back."
)


def _document(response: Element) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>' + tostring(response, encoding="unicode")


def empty() -> str:
    return _document(Element("Response"))


def hangup() -> str:
    response = Element("Response")
    SubElement(response, "Hangup")
    return _document(response)


def dial(numbers: list[str], *, action: str, ring_seconds: int) -> str:
    """Ring every forwarding number at once; Twilio requests ``action`` when it ends
    (``DialCallStatus``: answered and completed, or no-answer, busy, failed)."""
    response = Element("Response")
    verb = SubElement(response, "Dial", action=action, method="POST", timeout=str(ring_seconds))
    for number in numbers:
        SubElement(verb, "Number").text = number
    return _document(response)


def voicemail(greeting: str, *, callback: str) -> str:
    """Say the greeting and record; the recording and its transcription are posted to
    ``callback`` (the inbox's webhook URL), and so is the recording's end (``action``)."""
    response = Element("Response")
    SubElement(response, "Say").text = greeting or DEFAULT_GREETING
    SubElement(
        response,
        "Record",
        action=callback,
        method="POST",
        maxLength=str(VOICEMAIL_SECONDS),
        playBeep="true",
        transcribe="true",
        transcribeCallback=callback,
        recordingStatusCallback=callback,
        recordingStatusCallbackEvent="completed absent",
    )
    return _document(response)


def say_and_hang_up(words: str) -> str:
    response = Element("Response")
    SubElement(response, "Say").text = words
    SubElement(response, "Hangup")
    return _document(response)


def connect(customer: str, *, caller_id: str, action: str = "") -> str:
    """The agent picked up a call-back: tell them, then ring the customer from our number;
    Twilio posts how that leg went to ``action`` (``DialCallStatus``, ``DialCallDuration``)."""
    response = Element("Response")
    SubElement(response, "Say").text = "Connecting your call-back."
    verb = SubElement(response, "Dial", callerId=caller_id)
    if action:
        verb.set("action", action)
        verb.set("method", "POST")
    SubElement(verb, "Number").text = customer
    return _document(response)
