"""``core.inbound.json_object``: a webhook's JSON read safely, every failure a clear 400."""

from __future__ import annotations

import pytest

from rapport.core.errors import ValidationFailed
from rapport.core.inbound import MAX_JSON_DEPTH, json_object


def test_an_object_is_read():
    assert json_object(b'{"update_id": 1, "message": {"text": "hi"}}', what="x") == {
        "update_id": 1,
        "message": {"text": "hi"},
    }


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"a":' * 5000 + b"1" + b"}" * 5000, f"nested more than {MAX_JSON_DEPTH} levels"),
        (b"[" * 100_000, f"nested more than {MAX_JSON_DEPTH} levels"),
        (b"\xff\xfe\xfa", "not valid UTF-8"),
        (b"", "not JSON (expected an Update)"),
        (b"{nope", "not JSON (expected an Update)"),
        (b"[]", "the body is not an Update"),
        (b"null", "the body is not an Update"),
    ],
)
def test_what_is_not_one_object_is_refused_in_words(body, words):
    with pytest.raises(ValidationFailed, match=words.replace("(", r"\(").replace(")", r"\)")):
        json_object(body, what="an Update")


def test_the_deepest_allowed_nesting_is_read():
    body = b'{"a":' * (MAX_JSON_DEPTH - 1) + b"{}" + b"}" * (MAX_JSON_DEPTH - 1)
    assert isinstance(json_object(body, what="x"), dict)
