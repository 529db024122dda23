"""How many SMS an agent's text becomes: GSM-7 when every character is in the GSM
alphabet (160 in one message, 153 per part when split; the extension characters take two),
else UCS-2 (70, or 67 per part, counted in UTF-16 units). ``app.js`` counts the same way
in the reply box."""

from __future__ import annotations

import math

GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = "^{}\\[~]|€\f"


def is_gsm(text: str) -> bool:
    return all(char in GSM_BASIC or char in GSM_EXTENDED for char in text)


def count(text: str) -> int:
    """The number of SMS ``text`` is sent as (0 for no text)."""
    if not text:
        return 0
    if is_gsm(text):
        units, single, part = sum(2 if c in GSM_EXTENDED else 1 for c in text), 160, 153
    else:
        units, single, part = len(text.encode("utf-16-le")) // 2, 70, 67
    return 1 if units <= single else math.ceil(units / part)
