# ruff: noqa: RUF001, RUF003 - full-width and typographic punctuation is the point here
"""Every customer's mail readable: mails built byte-exact as real mailers encode and label
them (GB2312 labels on GBK text, Shift_JIS with Windows characters, Outlook's ISO-8859-1),
and the subject, sender name, body and file names read as the customer wrote them."""

from __future__ import annotations

import base64
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapport.inboxes.adapters.email import charsets
from rapport.inboxes.adapters.email.parse import parse_email


def b_word(text: str, encoding: str, label: str) -> bytes:
    return b"=?" + label.encode() + b"?B?" + base64.b64encode(text.encode(encoding)) + b"?="


def attachment_mail(
    *, subject: bytes, sender: bytes, body: bytes, charset: bytes, disposition: bytes
) -> bytes:
    return (
        b"From: " + sender + b"\r\nTo: support@shop.example\r\nSubject: " + subject + b"\r\n"
        b"Message-ID: <c1@cust.example>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="XX"\r\n\r\n'
        b"--XX\r\nContent-Type: text/plain; charset=" + charset + b"\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(body) + b"\r\n"
        b"--XX\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Disposition: attachment; " + disposition + b"\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--XX--\r\n"
    )


def test_gb2312_label_on_gbk_text_as_foxmail_and_outlook_send_it():
    # 請 問 們 訂 單 are GBK characters outside GB2312; Chinese mailers label them GB2312.
    subject, name, body = "請問我們的訂單", "王小明", "您好，請問我們的訂單什麼時候發貨？\r\n"
    raw = attachment_mail(
        subject=b_word(subject, "gbk", "GB2312"),
        sender=b_word(name, "gbk", "gb2312") + b" <wang@cust.example>",
        body=body.encode("gbk"),
        charset=b"gb2312",
        disposition=b'filename="' + b_word("訂單.pdf", "gbk", "GB2312") + b'"',
    )
    parsed = parse_email(raw)
    assert parsed.subject == subject
    assert parsed.from_name == name
    assert parsed.text.strip() == body.strip()
    assert [a.filename for a in parsed.attachments] == ["訂單.pdf"]


def test_shift_jis_with_windows_characters_and_an_rfc2231_file_name():
    subject, name, body = "①１都３県の配送", "山田太郎", "①１都３県への配送について質問です。\r\n"
    filename = "見積書①.xlsx".encode("cp932")
    raw = attachment_mail(
        subject=b_word(subject, "cp932", "Shift_JIS"),
        sender=b_word(name, "cp932", "shift_jis") + b" <yamada@cust.example>",
        body=body.encode("cp932"),
        charset=b"Shift_JIS",
        disposition=b"filename*=shift_jis''" + quote_from_bytes(filename).encode(),
    )
    parsed = parse_email(raw)
    assert parsed.subject == subject
    assert parsed.from_name == name
    assert parsed.text.strip() == body.strip()
    assert [a.filename for a in parsed.attachments] == ["見積書①.xlsx"]


def test_iso_8859_1_label_on_outlooks_windows_1252_text():
    # Outlook labels windows-1252 text ISO-8859-1: € – “ ” are 0x80 0x96 0x93 0x94.
    raw = (
        b"From: =?iso-8859-1?Q?Ren=E9e_M=FCller?= <renee@cust.example>\r\n"
        b"Subject: =?iso-8859-1?Q?Rechnung_=80_50_=96_=93dringend=94?=\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: text/plain; charset="iso-8859-1"\r\n'
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"Der Betrag von 50 =80 =96 bitte =93sofort=94 pr=FCfen.\r\n"
    )
    parsed = parse_email(raw)
    assert parsed.subject == "Rechnung € 50 – “dringend”"
    assert parsed.from_name == "Renée Müller"
    assert parsed.text.strip() == "Der Betrag von 50 € – bitte “sofort” prüfen."


def test_iso_2022_jp_with_nec_characters_and_half_width_kana_as_cp50221_writes_them():
    # ① is JIS row 13 (NEC), not in ISO-2022-JP proper; ｱｲ comes by ESC ( I.
    jis = b"\x1b$B-!\x1b(B1\x1b$BET\x1b(B3\x1b$B8)\x1b(I12\x1b(B"
    raw = (
        b"From: =?ISO-2022-JP?B?"
        + base64.b64encode(b"\x1b$B;3ED\x1b(B")
        + b"?= <y@cust.example>\r\n"
        b"Subject: =?ISO-2022-JP?B?" + base64.b64encode(jis) + b"?=\r\n"
        b"Content-Type: text/plain; charset=ISO-2022-JP\r\n"
        b"Content-Transfer-Encoding: 7bit\r\n\r\n" + jis + b"\r\n"
    )
    parsed = parse_email(raw)
    assert parsed.subject == "①1都3県ｱｲ"
    assert parsed.from_name == "山田"
    assert parsed.text.strip() == "①1都3県ｱｲ"


def test_ks_c_5601_label_on_cp949_text():
    text = "똠방각하 주문 문의"  # 똠 is outside KS X 1001: only CP949 has it
    raw = (
        b"From: k@cust.example\r\nSubject: " + b_word(text, "cp949", "ks_c_5601-1987") + b"\r\n"
        b"Content-Type: text/plain; charset=ks_c_5601-1987\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + text.encode("cp949") + b"\r\n"
    )
    parsed = parse_email(raw)
    assert parsed.subject == text
    assert parsed.text.strip() == text


def test_one_bad_byte_does_not_turn_a_utf8_body_into_windows_1252():
    body = "您好，我的訂單還沒有到。".encode() + b"\xff" + "謝謝！".encode()
    raw = b"From: a@cust.example\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body
    assert parse_email(raw).text == "您好，我的訂單還沒有到。\ufffd謝謝！"


def test_unlabelled_8bit_text_is_detected():
    text = "您好，我的订单还没有到，请帮我查一下物流信息。谢谢！我们已经等了两个星期了。"
    raw = b"From: a@cust.example\r\nSubject: order\r\n\r\n" + text.encode("gbk")
    assert parse_email(raw).text == text


def test_raw_8bit_subject_is_read_with_the_bodys_charset():
    raw = (
        b"From: a@cust.example\r\nSubject: " + "都県の注文".encode("cp932") + b"\r\n"
        b"Content-Type: text/plain; charset=shift_jis\r\n\r\n" + "本文".encode("cp932")
    )
    parsed = parse_email(raw)
    assert parsed.subject == "都県の注文"
    assert parsed.text == "本文"


def test_a_character_split_across_two_encoded_words_is_joined():
    data = "注文番号".encode()
    raw = (
        b"From: a@cust.example\r\nSubject: =?UTF-8?B?" + base64.b64encode(data[:4]) + b"?=\r\n"
        b" =?UTF-8?B?" + base64.b64encode(data[4:]) + b"?=\r\n\r\nhi\r\n"
    )
    assert parse_email(raw).subject == "注文番号"


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("GB2312", "gb18030"),
        ("x-gbk", "gb18030"),
        ("us-ascii", "cp1252"),
        ("ISO-8859-1", "cp1252"),
        ("Shift_JIS", "cp932"),
        ("windows-31j", "cp932"),
        ("ks_c_5601-1987", "cp949"),
        ("euc-kr", "cp949"),
        ("big5", "big5hkscs"),
        ("iso-2022-jp", "iso2022_jp"),
        ('"utf-8"', "utf-8"),
        ("x-unknown-42", None),
    ],
)
def test_labels_map_as_the_whatwg_encoding_standard_says(label, codec):
    assert charsets.codec_for(label) == codec


def test_windows_1252_holes_decode_to_controls_instead_of_failing():
    assert charsets.decode(b"a\x81b\x80", "iso-8859-1") == "a\x81b€"


@given(
    st.binary(max_size=400),
    st.sampled_from([None, "utf-8", "gb2312", "shift_jis", "iso-2022-jp", "iso-8859-1", "x-bad"]),
)
def test_decoding_never_raises(data, label):
    assert isinstance(charsets.decode(data, label), str)
    assert isinstance(charsets.decode_header_bytes(b"=?" + data + b"?=", label), str)
