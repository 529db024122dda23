"""Meta's webhook signature and verify-token handshake (``adapters/meta.py``), shared by
WhatsApp Cloud API, Messenger and Instagram, against the known-answer vector."""

from __future__ import annotations

import json
from typing import Any

from django.test import RequestFactory

from rapport.inboxes.adapters import meta
from tests.email.conftest import shared_data


def vector() -> dict[str, Any]:
    path = shared_data("webhook-signature-vectors") / "vectors.json"
    found: dict[str, Any] = json.loads(path.read_text())["meta_whatsapp_cloud"]
    return found


def test_the_known_answer_vector_matches():
    case = vector()
    body = case["raw_body"].encode()
    assert meta.signature(case["app_secret"], body) == case["expected_signature"]
    assert meta.signature_matches(case["app_secret"], body, case["expected_signature"])


def test_a_changed_body_secret_or_empty_header_is_refused():
    case = vector()
    body = case["raw_body"].encode()
    assert not meta.signature_matches(case["app_secret"], body + b" ", case["expected_signature"])
    assert not meta.signature_matches("0" * 32, body, case["expected_signature"])
    assert not meta.signature_matches(case["app_secret"], body, "")
    assert not meta.signature_matches("", body, case["expected_signature"])


def test_the_handshake_echoes_the_challenge_only_for_our_token():
    factory = RequestFactory()
    good = factory.get(
        "/", {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "1158201444"}
    )
    answer = meta.handshake(good, "tok")
    assert answer.status_code == 200
    assert answer.content == b"1158201444"
    wrong = factory.get(
        "/", {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"}
    )
    assert meta.handshake(wrong, "tok").status_code == 403
    assert meta.handshake(factory.get("/", {"hub.challenge": "1"}), "tok").status_code == 400
    assert meta.handshake(good, "").status_code == 400
