"""Fixtures the channel tests share."""

from tests.channels.twilio import twilio_api

__all__ = ["twilio_api"]
