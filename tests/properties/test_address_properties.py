"""Properties of address parsing: customer identities and e-mail senders.

- ``normalize_email``: either refuses with a clear ValidationFailed or returns a lower-case
  address that normalises to itself (one address, one identity), never anything else.
- ``normalize_phone``: E.164 out ("+" and digits), stable when normalised again, the same
  for the different ways one number is written.
- ``clean_address`` (what an e-mail's From becomes): "" or a normalised address with no
  control characters, whatever header bytes an attacker sends.
- ``safe_display_name``: never carries CR/LF or other control characters into a header.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.core.errors import ValidationFailed
from rapport.customers.identities import normalize_email, normalize_phone
from rapport.inboxes.adapters.email.addresses import clean_address, safe_display_name

PROFILE = settings(max_examples=300, deadline=None)
local = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789._%+-", min_size=1, max_size=20
)
domain = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10),
    min_size=2,
    max_size=3,
).map(".".join)
noise = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)


@PROFILE
@given(local, domain, st.sampled_from(["", " ", "\t"]))
def test_a_well_formed_address_normalises_to_a_fixed_point(name: str, host: str, pad: str) -> None:
    try:
        normal = normalize_email(f"{pad}{name}@{host}{pad}")
    except ValidationFailed:
        return  # e.g. a local part Django's validator refuses ("a..b"): refused clearly
    assert normal == normal.lower().strip()
    assert normalize_email(normal) == normal
    assert normalize_email(normal.upper()) == normal


@PROFILE
@given(noise)
def test_any_text_is_an_address_or_a_clear_refusal(text: str) -> None:
    try:
        normal = normalize_email(text)
    except ValidationFailed as error:
        refusal = error.message
        normal = ""
    else:
        refusal = ""
    if not normal:
        assert "not a valid e-mail address" in refusal
        return
    assert "@" in normal
    assert normalize_email(normal) == normal


@PROFILE
@given(st.integers(min_value=30_000_000, max_value=39_999_999))
def test_one_phone_number_written_three_ways_is_one_identity(number: int) -> None:
    digits = str(number)
    ways = [f"+49 {digits}", f"+49-{digits[:3]}-{digits[3:]}", f"0049{digits}"]
    try:
        normals = {normalize_phone(way) for way in ways}
    except ValidationFailed:
        return  # not a possible German number: refused whichever way it is written
    assert len(normals) == 1
    (normal,) = normals
    assert re.fullmatch(r"\+[0-9]{6,15}", normal)
    assert normalize_phone(normal) == normal


@PROFILE
@given(noise)
def test_any_text_is_a_phone_number_or_a_clear_refusal(text: str) -> None:
    try:
        normal = normalize_phone(text)
    except ValidationFailed:
        return
    assert re.fullmatch(r"\+[0-9]+", normal)


@PROFILE
@given(noise | local.map(lambda n: f"<{n}@mail.example>\r\nBcc: x@evil.example"))
def test_a_from_header_becomes_an_address_or_nothing(text: str) -> None:
    cleaned = clean_address(text)
    if cleaned:
        assert cleaned.isprintable()
        assert "\r" not in cleaned
        assert "\n" not in cleaned
        assert clean_address(cleaned) == cleaned


@PROFILE
@given(noise)
def test_display_names_never_break_a_header(name: str) -> None:
    safe = safe_display_name(name)
    assert safe.isprintable()
    assert len(safe) <= 80


@pytest.mark.parametrize("name", ["Eve\r\nBcc: all@example.com", "A\x00B", "\u2028x"])
def test_known_header_injections_are_neutralised(name: str) -> None:
    safe = safe_display_name(name)
    assert "\r" not in safe
    assert "\n" not in safe
