"""Webhook URLs cannot reach into our own network: checked on save, again after DNS at
delivery (connecting to the checked address), no redirects, no echo of the reply."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from liuyanban.api import outbound
from liuyanban.api.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from liuyanban.core.errors import InvalidInput
from liuyanban.lifecycle import actions
from liuyanban.testing.factories import WebhookEndpointFactory

BLOCKED = [
    "http://127.0.0.1/",
    "http://localhost:8000/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://10.1.2.3/",
    "http://192.168.0.1/",
    "http://172.16.5.4/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.100.100.200/",  # a cloud metadata address in carrier-grade NAT space
    "http://[fd00:ec2::254]/",
    "http://0.0.0.0/",
    "http://224.0.0.1/",
    "https://user:pw@hooks.example.org/",
    "ftp://hooks.example.org/",
    "file:///etc/passwd",
]


class Target(BaseHTTPRequestHandler):
    """Records requests; answers what the test asks for."""

    hits: list[dict[str, Any]] = []
    status = 204
    location = ""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        type(self).hits.append(
            {"method": self.command, "host": self.headers["Host"], "body": self.rfile.read(length)}
        )
        self.send_response(type(self).status)
        if type(self).location:
            self.send_header("Location", type(self).location)
        body = b"SECRET-INTERNAL-PAGE root:x:0:0"
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET = _answer

    def log_message(self, *args: Any) -> None:
        pass


def _serve() -> tuple[HTTPServer, int]:
    server = HTTPServer(("127.0.0.1", 0), Target)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_port


@pytest.fixture
def target() -> Iterator[int]:
    Target.hits, Target.status, Target.location = [], 204, ""
    server, port = _serve()
    yield port
    server.shutdown()
    server.server_close()


def _allow_loopback(settings: Any) -> None:
    settings.LIUYANBAN = {**settings.LIUYANBAN, "WEBHOOK_ALLOWED_NETWORKS": ["127.0.0.1/32"]}


def _deliver(world: Any, capture: Any) -> WebhookDelivery:
    message = world.message_in("submitted")
    with capture(execute=True):
        actions.approve_message(actor=world.mona, message_id=message.pk)
    return WebhookDelivery.objects.get()


@pytest.mark.parametrize("url", BLOCKED)
def test_blocked_urls_are_refused_on_save(world: Any, url: str) -> None:
    endpoint = WebhookEndpoint(
        organization=world.east, url=url, secret="s", event_kinds=["approve"]
    )
    with pytest.raises(ValidationError) as error:
        endpoint.full_clean()
    assert "url" in error.value.message_dict
    with pytest.raises(InvalidInput):
        endpoint.save()
    assert not WebhookEndpoint.objects.exists()


def test_https_only_in_production(world: Any, settings: Any) -> None:
    settings.LIUYANBAN = {**settings.LIUYANBAN, "WEBHOOK_ALLOW_HTTP": False}
    with pytest.raises(InvalidInput) as error:
        WebhookEndpoint.objects.create(
            organization=world.east,
            url="http://hooks.example.org/",
            secret="s",
            event_kinds=["approve"],
        )
    assert "https" in error.value.fields["url"][0]


def test_a_name_resolving_inside_is_refused_on_save(world: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(outbound, "resolve", lambda host, port: ["93.184.216.34", "10.0.0.7"])
    endpoint = WebhookEndpoint(
        organization=world.east,
        url="https://hooks.example.org/",
        secret="s",
        event_kinds=["approve"],
    )
    with pytest.raises(ValidationError):
        endpoint.full_clean()
    monkeypatch.setattr(outbound, "resolve", lambda host, port: ["93.184.216.34"])
    endpoint.full_clean()  # a public answer is fine


def test_no_connection_to_a_loopback_target(
    world: Any, target: int, django_capture_on_commit_callbacks: Any
) -> None:
    # Stored before the rule existed (or by a raw update): the delivery checks again.
    endpoint = WebhookEndpointFactory.create(
        organization=world.east,
        url="https://hooks.example.org/",
        secret="s",
        event_kinds=["approve"],
    )
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=f"http://127.0.0.1:{target}/hook")
    delivery = _deliver(world, django_capture_on_commit_callbacks)
    assert Target.hits == []
    assert (delivery.state, delivery.last_error) == (DeliveryState.PENDING, outbound.REFUSED)


def test_dns_rebinding_cannot_slip_through(
    world: Any, target: int, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])  # public when saved, inside at delivery
    monkeypatch.setattr(outbound, "resolve", lambda host, port: next(answers))
    endpoint = WebhookEndpoint(
        organization=world.east,
        url=f"http://rebind.example.test:{target}/hook",
        secret="s",
        event_kinds=["approve"],
    )
    endpoint.full_clean()
    endpoint.save()
    delivery = _deliver(world, django_capture_on_commit_callbacks)
    assert Target.hits == []
    assert delivery.last_error == outbound.REFUSED


def test_delivery_connects_to_the_checked_address(
    world: Any,
    target: int,
    settings: Any,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The address that passed the check is the one connected to; Host keeps the name."""
    _allow_loopback(settings)
    monkeypatch.setattr(outbound, "resolve", lambda host, port: ["127.0.0.1"])
    WebhookEndpointFactory.create(
        organization=world.east,
        url=f"http://hooks.example.test:{target}/hook",
        secret="s",
        event_kinds=["approve"],
    )
    delivery = _deliver(world, django_capture_on_commit_callbacks)
    assert delivery.state == DeliveryState.DELIVERED
    assert [h["host"] for h in Target.hits] == [f"hooks.example.test:{target}"]


def test_redirects_are_not_followed_and_the_reply_is_not_echoed(
    world: Any, target: int, settings: Any, django_capture_on_commit_callbacks: Any, as_: Any
) -> None:
    _allow_loopback(settings)
    inner, inner_port = _serve()
    try:
        Target.status, Target.location = 302, f"http://127.0.0.1:{inner_port}/admin"
        WebhookEndpointFactory.create(
            organization=world.east,
            url=f"http://127.0.0.1:{target}/hook",
            secret="s",
            event_kinds=["approve"],
        )
        delivery = _deliver(world, django_capture_on_commit_callbacks)
    finally:
        inner.shutdown()
        inner.server_close()
    assert [h["method"] for h in Target.hits] == ["POST"]  # once, and nothing to the Location
    assert (delivery.state, delivery.last_status_code, delivery.last_error) == (
        DeliveryState.PENDING,
        302,
        "HTTP 302",
    )
    listed = as_("olga").get("/webhooks/deliveries").content.decode()
    assert "SECRET" not in listed and "root:x" not in listed


def test_failures_are_described_in_fixed_words(world: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(outbound, "resolve", lambda host, port: [])
    with pytest.raises(outbound.DeliveryFailed) as error:
        outbound.post("https://nowhere.example.test/", b"{}", {}, timeout=1)
    assert str(error.value) == outbound.UNRESOLVED


TLS = Path(__file__).resolve().parent / "tls"  # a self-signed test certificate, test-only


@pytest.fixture
def tls_target(monkeypatch: Any) -> Iterator[int]:
    """An HTTPS receiver on 127.0.0.1 whose certificate names hooks.example.test."""
    Target.hits, Target.status, Target.location = [], 204, ""
    server = HTTPServer(("127.0.0.1", 0), Target)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(TLS / "hooks.example.test.crt", TLS / "hooks.example.test.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    trusting = ssl.create_default_context(cafile=str(TLS / "hooks.example.test.crt"))
    monkeypatch.setattr(outbound.ssl, "create_default_context", lambda: trusting)
    yield server.server_port
    server.shutdown()
    server.server_close()


def test_https_to_the_checked_address_still_verifies_the_name(
    world: Any, tls_target: int, settings: Any, monkeypatch: Any
) -> None:
    _allow_loopback(settings)
    monkeypatch.setattr(outbound, "resolve", lambda host, port: ["127.0.0.1"])
    status = outbound.post(f"https://hooks.example.test:{tls_target}/hook", b"{}", {}, timeout=5)
    assert status == 204 and Target.hits[0]["host"] == f"hooks.example.test:{tls_target}"
    # The same address under a name the certificate does not carry: refused by TLS.
    with pytest.raises(outbound.DeliveryFailed) as error:
        outbound.post(f"https://other.example.test:{tls_target}/hook", b"{}", {}, timeout=5)
    assert str(error.value) == outbound.TLS_FAILED
