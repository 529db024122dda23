"""Property: whatever a client sends the inbound endpoint (or the list), never a 500.

Bodies are random JSON documents, random values in the right shape, and random bytes. The
answer is either a stored message (2xx) or a 4xx in the one error format.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from rapport.accounts.models import User
from rapport.inboxes.models import Inbox
from tests.api.conftest import Api

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
ADDRESSES = st.one_of(
    st.text(max_size=60),
    st.emails(),
    st.from_regex(r"\+?[0-9 ()-]{3,20}", fullmatch=True),
    JSON,
)
OPTIONAL = {
    "name": st.one_of(st.text(max_size=300), JSON),
    "subject": st.one_of(st.text(max_size=300), JSON),
    "external_id": st.one_of(st.text(max_size=300), JSON),
}
# The right shape with random values: most are refused, some are stored.
SHAPED = st.fixed_dictionaries(
    {
        "identity": st.fixed_dictionaries(
            {"kind": st.sampled_from(["email", "phone", "api", "fax"]), "address": ADDRESSES}
        ),
        "text": st.one_of(st.text(max_size=200), JSON),
    },
    optional=OPTIONAL,
)
# Plausible messages with random text: these should mostly be stored.
PLAUSIBLE = st.fixed_dictionaries(
    {
        "identity": st.one_of(
            st.fixed_dictionaries({"kind": st.just("email"), "address": st.emails()}),
            st.fixed_dictionaries({"kind": st.just("api"), "address": st.text(max_size=40)}),
        ),
        "text": st.text(min_size=1, max_size=500),
    },
    optional={key: st.text(max_size=300) for key in OPTIONAL},
)
BODIES = st.one_of(
    JSON.map(json.dumps),
    SHAPED.map(json.dumps),
    PLAUSIBLE.map(json.dumps),
    st.binary(max_size=200),
)
KEYS = st.one_of(
    st.none(), st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=300)
)


@pytest.fixture
def api(agent: User) -> Api:
    return Api(agent)


@pytest.mark.django_db
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=BODIES, key=KEYS)
def test_random_bodies_never_cause_a_500(
    api: Api, api_inbox: Inbox, body: Any, key: str | None
) -> None:
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}

    response = api.post(f"/inboxes/{api_inbox.pk}/messages", body, **headers)

    event(f"status {response.status_code}")  # see --hypothesis-show-statistics
    assert response.status_code < 500
    if response.status_code >= 400:
        error = response.json()["error"]
        assert isinstance(error["code"], str)
        assert isinstance(error["message"], str)
        assert error["message"]
    else:
        assert response.status_code in (200, 201)
        assert set(response.json()) == {"message_id", "conversation_id", "customer_id", "created"}


FILTERS = ["view", "status", "inbox_id", "tag", "priority", "assignee_id", "customer_id"]
LIST_PARAMS = st.dictionaries(
    st.sampled_from([*FILTERS, "sort", "after", "limit"]),
    st.one_of(
        st.text(max_size=40),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.sampled_from(["mine", "unassigned", "all", "team:1", "team:0", "any", "waiting"]),
    ),
    max_size=5,
)


@pytest.mark.django_db
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(params=LIST_PARAMS)
def test_random_list_filters_never_cause_a_500(api: Api, params: dict[str, str]) -> None:
    # The test client cannot put NUL or lone surrogates in a URL; the server never sees them.
    params = {k: v for k, v in params.items() if "\x00" not in v and v.isprintable()}

    response = api.get("/conversations", **params)

    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert response.json()["error"]["message"]
