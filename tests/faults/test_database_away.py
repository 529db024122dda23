"""The database stopped under a real server: 503 with Retry-After, then everything stored once.

The server runs on a private PostgreSQL cluster (``initdb``/``pg_ctl`` in a temporary
directory, on a free port) that the test stops with an immediate shutdown, as a crash
looks to its clients. While it is away the API, the widget, the web form and the provider
webhooks answer 503 with ``Retry-After`` in the format each caller reads; a client that
retries the same request (the same ``external_id`` or ``client_id``) once it is back gets
it stored exactly once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rapport.core.unavailable import RETRY_AFTER_SECONDS
from tests.faults.conftest import Rapport, Sent, inbound_texts, rapport_server
from tests.faults.servers import PrivatePostgres

pytestmark = pytest.mark.postgres


@pytest.fixture
def rapport(tmp_path: Path, private_postgres: PrivatePostgres):
    server = rapport_server(tmp_path, DATABASE_URL=private_postgres.url, REDIS_URL="")
    yield server
    server.stop()


def unavailable(sent: Sent) -> bool:
    return sent.status == 503 and sent.headers.get("retry-after") == str(RETRY_AFTER_SECONDS)


def test_database_away_answers_503_with_retry_after_and_loses_nothing(rapport, private_postgres):
    assert rapport.chat_session() == 200
    before = [rapport.chat(), rapport.api(), rapport.webform()]
    assert [s.status for s in before] == [201, 201, 200]

    private_postgres.stop()
    away = [rapport.chat(), rapport.api(), rapport.webform()]
    widget_config = rapport.http.get(f"/chat/v1/inboxes/{rapport.setup['chat_key']}/widget")
    mail_webhook = rapport.http.post("/email/inbound/postmark/anykey", json={})

    assert [s.status for s in away] == [503, 503, 503]
    assert all(unavailable(s) for s in away), [(s.kind, s.headers) for s in away]
    chat, api, webform = away
    assert chat.headers["access-control-allow-origin"] == "*"  # the widget can read it
    assert chat.headers["content-type"] == "application/json"
    assert api.headers["content-type"] == "application/json"
    assert webform.body_text.startswith("The service is briefly unavailable")
    assert widget_config.status_code == 503
    assert widget_config.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert mail_webhook.status_code == 503
    assert mail_webhook.headers["retry-after"] == str(RETRY_AFTER_SECONDS)

    private_postgres.start()
    # Each caller retries what was refused, as providers and the widget do on a 503.
    retried = [resend(rapport, s) for s in away]
    after = [rapport.chat(), rapport.api(), rapport.webform()]

    assert [s.status for s in retried + after] == [201, 201, 200, 201, 201, 200]
    stored = inbound_texts(rapport.stored())
    delivered = sorted(s.text for s in before + retried + after)
    assert stored == delivered  # 0 lost, 0 doubled
    assert len(set(stored)) == len(stored)


def resend(rapport: Rapport, refused: Sent) -> Sent:
    """The same request again: the same text, client id and external id."""
    sender = getattr(rapport, refused.kind)
    return sender(n=int(refused.text.rsplit(" ", 1)[1]))
