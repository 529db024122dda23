"""Wrong HTTP methods on the API get the API's JSON error format."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_wrong_method_is_a_json_405_with_allow(admin):
    client = Client()
    client.force_login(admin)
    response = client.delete("/api/v1/inboxes")
    assert response.status_code == 405
    assert response.json() == {
        "error": {
            "code": "method_not_allowed",
            "message": f"DELETE is not allowed here; use {response['Allow']}",
        }
    }
    assert "GET" in response["Allow"]
