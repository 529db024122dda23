"""Decoding mail text as mail clients do: the label the sender wrote, read the WHATWG way.

Mailers label text with the name of a small standard charset and encode it with the
vendor's superset: GB2312 with GBK characters, Shift_JIS with Windows' ①, ISO-8859-1
with Outlook's € and curly quotes, ISO-2022-JP with NEC and half-width kana. Browsers
and mail clients decode each label with the superset (the WHATWG Encoding Standard's
label table); Python's codecs take the label literally and fail or show control
characters. So a label is first mapped to its superset here; a part that still does not
decode is decoded with U+FFFD for the few bad bytes (one bad byte must not turn a whole
Chinese body into windows-1252), and only a label that is plainly wrong (almost nothing
decodes) or missing is replaced by detection (``charset-normalizer``).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re

MAX_DETECT_BYTES = 64 * 1024  # detection reads a sample; the decision is the same

# Python's canonical codec name (or a label Python does not know) -> the codec mail
# clients decode it with (https://encoding.spec.whatwg.org/#names-and-labels).
_SUPERSET = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "latin-1": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "csgb2312": "gb18030",
    "chinese": "gb18030",
    "hz": "gb18030",
    "shift_jis": "cp932",
    "windows-31j": "cp932",
    "x-sjis": "cp932",
    "csshiftjis": "cp932",
    "ms_kanji": "cp932",
    "euc_kr": "cp949",
    "ks_c_5601-1989": "cp949",
    "windows-949": "cp949",
    "big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "iso-8859-8-i": "iso8859-8",
    "x-mac-roman": "mac-roman",
    "unicode-1-1-utf-8": "utf-8",
    "utf8": "utf-8",
}
_ISO_2022_JP = {"iso2022_jp", "iso2022_jp_1", "iso2022_jp_2", "iso2022_jp_ext", "cp50220"}
_ISO_2022_JP |= {"cp50221", "cp50222", "csiso2022jp", "iso2022_jp_3", "iso2022_jp_2004"}
_SINGLE_BYTE_LATIN = {"cp1252", "cp1254", "cp874"}
_NOT_DETECTED = ("utf_16", "utf_32")  # short text is "detected" as UTF-16; mail never is
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")


def _c1_controls(error: UnicodeError) -> tuple[str, int]:
    """Bytes windows-1252 leaves undefined (0x81, 0x8D...) decode to the C1 control, as in
    the WHATWG decoder, instead of failing the whole text."""
    assert isinstance(error, UnicodeDecodeError)
    undefined = error.object[error.start : error.end]
    return "".join(chr(byte) for byte in undefined), error.end


codecs.register_error("rapport-c1", _c1_controls)


def codec_for(label: str | None) -> str | None:
    """The codec mail clients use for ``label``; None for a missing or unknown label."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if name in _SUPERSET or name in _ISO_2022_JP:
        return _SUPERSET.get(name, "iso2022_jp" if name in _ISO_2022_JP else name)
    try:
        name = codecs.lookup(name).name
    except (LookupError, ValueError):
        return None
    if name in _ISO_2022_JP:
        return "iso2022_jp"
    return _SUPERSET.get(name, name)


def decode(data: bytes, label: str | None) -> str:
    """``data`` as text, read with ``label`` the way mail clients read it; never raises."""
    codec = codec_for(label)
    if codec is None:
        return _decode_unlabelled(data)
    if codec == "iso2022_jp":
        return decode_iso2022_jp(data)
    if codec in _SINGLE_BYTE_LATIN:
        # Latin labels on UTF-8 text are plainly wrong (a mailer's default label).
        if not data.isascii() and _is_utf8(data):
            return data.decode("utf-8")
        return data.decode(codec, errors="rapport-c1")
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return _decode_with_bad_bytes(data, codec)
    except (LookupError, ValueError):  # a codec that cannot decode (e.g. a text transform)
        return _decode_unlabelled(data)


def _decode_with_bad_bytes(data: bytes, codec: str) -> str:
    """A labelled part with some undecodable bytes: the label if it reads most of the text
    (the bad bytes become U+FFFD), else what detection finds (the label was wrong)."""
    text = data.decode(codec, errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    if good > bad:
        return text
    return _detected(data) or data.decode("cp1252", errors="rapport-c1")


def _decode_unlabelled(data: bytes) -> str:
    if data.isascii():
        if b"\x1b$" in data:  # ISO-2022-JP is 7-bit: its escapes give it away
            return decode_iso2022_jp(data)
        return data.decode("ascii")
    if _is_utf8(data):
        return data.decode("utf-8")
    return _detected(data) or data.decode("cp1252", errors="rapport-c1")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _detected(data: bytes) -> str | None:
    """``data`` decoded with the charset ``charset-normalizer`` finds; None if none fits."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:MAX_DETECT_BYTES]).best()
    if best is None or best.encoding.startswith(_NOT_DETECTED):
        return None
    codec = codec_for(best.encoding) or best.encoding
    if codec == "iso2022_jp":
        return decode_iso2022_jp(data)
    return data.decode(codec, errors="replace")


def decode_iso2022_jp(data: bytes) -> str:
    """ISO-2022-JP with the extensions Japanese mailers use (Microsoft's CP50221).

    Each JIS X 0208 pair is turned into its Shift_JIS bytes and the whole read as CP932,
    which holds the NEC and IBM extensions (①, Ⅱ, ㈱) that plain ISO-2022-JP lacks;
    half-width katakana come by ``ESC ( I`` or SO/SI.
    """
    out = bytearray()
    mode = shifted_from = "ascii"
    index = 0
    while index < len(data):
        byte = data[index]
        if byte == 0x1B:
            mode, index = _escape(data, index, mode)
            continue
        if byte == 0x0E:  # SO: half-width katakana until SI
            shifted_from, mode = mode, "kana"
        elif byte == 0x0F:
            mode = shifted_from
        elif byte in (0x0A, 0x0D):  # a line break ends a double-byte run in broken mail
            out.append(byte)
            mode = "ascii" if mode == "jis" else mode
        elif mode == "jis" and 0x21 <= byte <= 0x7E and index + 1 < len(data):
            out += _jis_to_sjis(byte, data[index + 1])
            index += 1
        elif mode == "kana" and 0x21 <= byte <= 0x5F:
            out.append(byte + 0x80)
        else:
            out.append(byte)
        index += 1
    return bytes(out).decode("cp932", errors="replace")


def _escape(data: bytes, index: int, mode: str) -> tuple[str, int]:
    """The mode an escape sequence at ``index`` switches to, and the index after it."""
    sequence = data[index : index + 4]
    if sequence[:3] in (b"\x1b$B", b"\x1b$@"):
        return "jis", index + 3
    if sequence in (b"\x1b$(Q", b"\x1b$(O"):  # JIS X 0213 plane 1: read as JIS X 0208
        return "jis", index + 4
    if sequence[:3] == b"\x1b(I":
        return "kana", index + 3
    if sequence[:3] in (b"\x1b(B", b"\x1b(J"):
        return "ascii", index + 3
    return mode, index + 1  # an unknown escape: skip the ESC alone


def _jis_to_sjis(first: int, second: int) -> bytes:
    lead = ((first - 0x21) >> 1) + 0x81
    if lead > 0x9F:
        lead += 0x40
    # Odd JIS rows take the lower half of the Shift_JIS trail range (skipping 0x7F).
    trail = second + (0x1F + (second >= 0x60) if first & 1 else 0x7E)
    return bytes((lead, trail & 0xFF))


def decode_header_bytes(value: bytes, hint: str | None = None) -> str:
    """A raw header value as text: 8-bit bytes read as UTF-8, else the ``hint`` charset
    (the part's), else detected; then every RFC 2047 encoded word decoded (see
    ``decode_encoded_words``)."""
    if value.isascii():
        text = value.decode("ascii")
    elif _is_utf8(value):
        text = value.decode("utf-8")
    else:
        text = decode(value, hint) if codec_for(hint) else _decode_unlabelled(value)
    return decode_encoded_words(text)


def decode_encoded_words(text: str) -> str:
    """``=?charset?B|Q?...?=`` words decoded with the WHATWG mapping.

    Adjacent words of one charset are joined before decoding: mailers split a multi-byte
    character across two words. Whitespace between encoded words is dropped (RFC 2047).
    """
    if "=?" not in text:
        return text
    pieces: list[str] = []
    pending = b""  # bytes of adjacent words of one charset, decoded together
    pending_charset = ""
    position = 0
    for match in _ENCODED_WORD.finditer(text):
        gap = text[position : match.start()]
        charset = match.group(1).split("*", 1)[0]
        if gap.strip() or not pending or charset.lower() != pending_charset.lower():
            if pending:
                pieces.append(decode(pending, pending_charset))
            pieces.append(gap if gap.strip() or not pending else "")
            pending, pending_charset = b"", charset
        pending += _word_bytes(match.group(2), match.group(3))
        position = match.end()
    if pending:
        pieces.append(decode(pending, pending_charset))
    pieces.append(text[position:])
    return "".join(pieces)


def _word_bytes(encoding: str, payload: str) -> bytes:
    try:
        if encoding in "bB":
            return base64.b64decode(payload + "=" * (-len(payload) % 4))
        return binascii.a2b_qp(payload.encode("ascii", errors="replace"), header=True)
    except (binascii.Error, ValueError):  # a broken word: keep it as written
        return payload.encode("ascii", errors="replace")
