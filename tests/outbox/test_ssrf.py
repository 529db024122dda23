"""Hole 2 of issue 21: a webhook URL must not reach the server's own network.

Refused when saved and again when sent, after DNS resolution; redirects are not followed.
The receivers here listen on loopback, so the refusals are what these tests expect unless
``RAPPORT_WEBHOOK_ALLOW_HOSTS`` names the host.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

from rapport.conversations import actions
from rapport.conversations.inbound import InboundMessage, Sender
from rapport.core import safe_http
from rapport.core.errors import ValidationFailed
from rapport.inboxes.actions import clean_config
from rapport.outbox.errors import DeliveryError
from rapport.outbox.models import DeliveryState
from rapport.outbox.webhooks import post_json

INTERNAL_URLS = [
    "http://127.0.0.1:8000/hook",
    "http://[::1]:8000/hook",
    "http://localhost:8000/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.5/hook",
    "http://192.168.1.1/hook",
    "http://172.16.0.1/hook",
    "http://100.64.0.1/hook",
    "http://0.0.0.0/hook",
    "http://[::]/hook",
    "http://224.0.0.1/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:169.254.169.254]/hook",
    "http://[fe80::1]/hook",
    "http://[fd00::1]/hook",
    "http://2130706433/hook",  # 127.0.0.1 written as one number
    "http://0x7f.1/hook",
]


@pytest.fixture
def resolves_to(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Make ``name`` resolve to ``address`` (as a DNS record an attacker controls would)."""
    real = socket.getaddrinfo

    def install(name: str, address: str) -> None:
        def fake(host: str, *args: Any, **kwargs: Any) -> Any:
            if host == name:
                return real(address, *args, **kwargs)
            return real(host, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", fake)

    return install


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_internal_targets_are_refused_at_save(url: str) -> None:
    # Numeric host forms (2130706433) are already refused as not being URLs.
    with pytest.raises(ValidationFailed, match=r"internal address|must be an http"):
        clean_config("api", {"webhook_url": url})


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_internal_targets_are_refused_at_send(url: str) -> None:
    with pytest.raises(DeliveryError, match=r"webhook refused: .*internal address") as caught:
        post_json(url=url, secret="s", payload={"a": 1}, delivery_id=1)
    assert caught.value.permanent


def test_a_name_resolving_to_loopback_is_refused_at_save_and_send(resolves_to: Any) -> None:
    resolves_to("hooks.attacker.example", "127.0.0.1")
    url = "https://hooks.attacker.example/hook"
    with pytest.raises(ValidationFailed, match=r"points to 127\.0\.0\.1"):
        clean_config("api", {"webhook_url": url})
    with pytest.raises(DeliveryError, match=r"points to 127\.0\.0\.1"):
        post_json(url=url, secret="s", payload={}, delivery_id=1)


def test_a_name_saved_while_public_is_checked_again_at_send(
    resolves_to: Any, webhook_receiver: Any, settings: Any
) -> None:
    """DNS rebinding: the name pointed outside when saved and points inside when sent."""
    resolves_to("rebind.attacker.example", "93.184.216.34")
    clean_config("api", {"webhook_url": "http://rebind.attacker.example/hook"})
    settings.RAPPORT_WEBHOOK_ALLOW_HOSTS = []
    resolves_to("rebind.attacker.example", "127.0.0.1")
    with pytest.raises(DeliveryError, match="internal address"):
        post_json(
            url=f"http://rebind.attacker.example:{webhook_receiver.url.split(':')[2]}",
            secret="s",
            payload={},
            delivery_id=1,
        )
    assert webhook_receiver.requests == []


def test_the_checked_address_is_the_one_connected_to_with_the_host_header(
    resolves_to: Any, webhook_receiver: Any, settings: Any
) -> None:
    resolves_to("hooks.shop.example", "127.0.0.1")
    settings.RAPPORT_WEBHOOK_ALLOW_HOSTS = ["hooks.shop.example"]
    port = webhook_receiver.url.split(":")[2].split("/")[0]
    post_json(url=f"http://hooks.shop.example:{port}/in?x=1", secret="s", payload={}, delivery_id=7)
    [(headers, _body)] = webhook_receiver.requests
    assert headers["Host"] == f"hooks.shop.example:{port}"


@pytest.mark.django_db(transaction=True)
def test_a_redirect_to_an_internal_host_is_not_followed(
    api_inbox: Any, agent: Any, webhook_receiver: Any
) -> None:
    inner = safe_http  # the metadata address must never be asked
    assert not inner.is_public(inner.ipaddress.ip_address("169.254.169.254"))
    api_inbox.config["webhook_url"] = webhook_receiver.url
    api_inbox.save()
    webhook_receiver.answer = 302
    webhook_receiver.location = "http://169.254.169.254/latest/meta-data/"
    conversation = actions.receive_message(
        inbox=api_inbox,
        message=InboundMessage(sender=Sender("api", f"{api_inbox.pk}:u1"), text="Hi"),
    ).message.conversation
    reply = actions.send_reply(conversation=conversation, author=agent, text="Hello")
    delivery = reply.deliveries.get()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.last_error == "webhook answered HTTP 302; redirects are not followed"
    assert len(webhook_receiver.requests) == 1


def test_without_the_allowlist_the_local_receiver_is_refused(
    webhook_receiver: Any, settings: Any
) -> None:
    settings.RAPPORT_WEBHOOK_ALLOW_HOSTS = []
    with pytest.raises(DeliveryError, match="internal address"):
        post_json(url=webhook_receiver.url, secret="s", payload={}, delivery_id=1)
    assert webhook_receiver.requests == []


@pytest.mark.parametrize(
    "url",
    ["https://93.184.216.34/hook", "http://[2606:2800:220:1:248:1893:25c8:1946]/hook"],
)
def test_public_addresses_are_accepted_at_save(url: str) -> None:
    assert clean_config("api", {"webhook_url": url})["webhook_url"] == url


@pytest.mark.parametrize(
    "url",
    [
        "ftp://93.184.216.34/",
        "http://user:pw@93.184.216.34/",
        "http:///nohost",
        "file:///etc/passwd",
    ],
)
def test_other_urls_are_refused_by_the_helper(url: str) -> None:
    with pytest.raises(safe_http.UnsafeURL):
        safe_http.check_url(url)


def test_an_unresolvable_name_may_be_saved_but_fails_temporarily_at_send() -> None:
    url = "https://no-such-host.invalid/hook"
    assert clean_config("api", {"webhook_url": url})["webhook_url"] == url
    with pytest.raises(DeliveryError, match="could not be resolved") as caught:
        post_json(url=url, secret="s", payload={}, delivery_id=1)
    assert not caught.value.permanent
