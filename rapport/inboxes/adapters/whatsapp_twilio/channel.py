"""WhatsApp through Twilio: the SMS channel's adapter with ``whatsapp:`` before the
numbers. Customers are known by the same E.164 number as on SMS, so one phone is one
customer on both. Not here yet: the 24-hour window and approved templates (outside the
window WhatsApp refuses free text; Twilio's 63016 error is then shown on the reply)."""

from __future__ import annotations

from rapport.inboxes.adapters.sms.channel import SmsChannel
from rapport.inboxes.channels import Composer, SettingsTab


class WhatsAppTwilioChannel(SmsChannel):
    kind = "whatsapp_twilio"
    label = "WhatsApp (Twilio)"
    icon, tint = "phone", ("#e7f8ee", "#15803d")
    pick = ("A WhatsApp number", "WhatsApp messages through Twilio")
    settings_tab = SettingsTab(
        label="WhatsApp settings",
        template="inboxes/settings/channel.html",
        noun="WhatsApp",
        pointer="The Twilio WhatsApp sender and keys",
    )
    composer = Composer(max_length=1600, hint="Sent on WhatsApp")
    prefix = "whatsapp:"
