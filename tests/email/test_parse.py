"""Parsing real-world mail shapes with the standard library, robustly."""

from __future__ import annotations

import base64

from rapport.inboxes.adapters.email.parse import parse_email

HEAD = "From: Carol <carol@mail.example>\r\nTo: support@shop.example\r\nSubject: Hi\r\n"


def test_alternative_with_related_inline_image():
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * 20).decode()
    raw = (
        HEAD + "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=A\r\n\r\n"
        "--A\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the picture\r\n"
        "--A\r\nContent-Type: multipart/related; boundary=R\r\n\r\n"
        "--R\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        '<p>See <img src="cid:pic1@x"></p>\r\n'
        "--R\r\nContent-Type: image/png\r\nContent-ID: <pic1@x>\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{png}\r\n--R--\r\n--A--\r\n"
    ).encode()
    parsed = parse_email(raw)
    assert parsed.text.strip() == "See the picture"
    assert 'src="cid:pic1@x"' in parsed.html
    [image] = parsed.attachments
    assert (image.content_id, image.inline, image.content_type) == ("pic1@x", True, "image/png")
    assert image.data.startswith(b"\x89PNG")


def test_forwarded_message_is_kept_and_its_text_shown():
    raw = (
        HEAD + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=M\r\n\r\n"
        "--M\r\nContent-Type: text/plain\r\n\r\nFYI, see below\r\n"
        "--M\r\nContent-Type: message/rfc822\r\n\r\n"
        "From: Dan <dan@other.example>\r\nSubject: Order 55 late\r\n\r\nWhere is my order?\r\n"
        "--M--\r\n"
    ).encode()
    parsed = parse_email(raw)
    assert parsed.attachments[0].filename == "Order 55 late.eml"
    assert "Where is my order?" in parsed.forwarded[0]


def test_charsets_unknown_and_encoded_headers():
    raw = (
        b"From: =?iso-8859-1?q?J=F6rg?= <jorg@mail.example>\r\n"
        b"Subject: =?utf-8?b?w4Fyb3ZrYQ==?=\r\nContent-Type: text/plain; charset=x-unknown-42\r\n"
        b"\r\n"
    ) + "Grüße".encode()
    parsed = parse_email(raw)
    assert parsed.from_name == "Jörg"
    assert parsed.subject == "Árovka"
    assert parsed.text == "Grüße"


def test_latin1_body_declared_as_utf8_still_decodes():
    raw = (HEAD + "Content-Type: text/plain; charset=utf-8\r\n\r\n").encode() + "café".encode(
        "latin-1"
    )
    assert parse_email(raw).text == "café"


def test_broken_boundary_and_missing_headers():
    raw = b"Content-Type: multipart/mixed; boundary=NOPE\r\n\r\nno boundary ever appears\r\n"
    parsed = parse_email(raw)
    assert parsed.from_address == ""
    assert parsed.message_id.endswith("@rapport.invalid")  # stable id from the bytes
    assert "no valid sender" in parsed.problems[0]


def test_html_only_mail_gets_a_text_version():
    raw = (
        HEAD + "Content-Type: text/html\r\n\r\n<p>Hello<br>there</p><script>x()</script>"
    ).encode()
    parsed = parse_email(raw)
    assert parsed.text == "Hello\nthere"
    assert "<script" not in parsed.html
