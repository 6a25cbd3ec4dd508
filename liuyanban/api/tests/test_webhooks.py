"""Webhooks: a real HTTP receiver verifies signatures and sees a retry after a failure."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.core.management import call_command

from liuyanban.api.models import ApiToken, DeliveryState, WebhookDelivery
from liuyanban.lifecycle import actions
from liuyanban.testing.factories import WebhookEndpointFactory


class Receiver(BaseHTTPRequestHandler):
    """Answers 500 to the first request on purpose, then 204; records what it got."""

    received: list[dict[str, Any]] = []
    fail_first = True

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append({"headers": dict(self.headers), "body": body})
        if type(self).fail_first:
            type(self).fail_first = False
            self.send_response(500)
        else:
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def loopback_allowed(settings: Any) -> None:
    """Deliveries to this machine are refused unless an operator allows the network."""
    settings.LIUYANBAN = {**settings.LIUYANBAN, "WEBHOOK_ALLOWED_NETWORKS": ["127.0.0.1/32"]}


@pytest.fixture
def receiver(loopback_allowed: None) -> Iterator[str]:
    Receiver.received = []
    Receiver.fail_first = True
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()
    server.server_close()


def test_signed_delivery_with_retry(
    world: Any, receiver: str, django_capture_on_commit_callbacks: Any, as_: Any
) -> None:
    endpoint = WebhookEndpointFactory.create(
        organization=world.east, url=receiver, secret="s3cret", event_kinds=["approve"]
    )
    WebhookEndpointFactory.create(organization=world.west, url=receiver)
    message = world.message_in("submitted")
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_message(actor=world.mona, message_id=message.pk)
    delivery = WebhookDelivery.objects.get()  # only the east endpoint, only "approve"
    assert delivery.endpoint == endpoint
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.next_attempt_at is not None
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)
    call_command("deliver_webhooks", stdout=open("/dev/null", "w"))  # noqa: SIM115
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.DELIVERED, 2)
    assert len(Receiver.received) == 2
    for hit in Receiver.received:
        timestamp = hit["headers"]["X-Liuyanban-Timestamp"]
        expected = hmac.new(
            b"s3cret", f"{timestamp}.".encode() + hit["body"], hashlib.sha256
        ).hexdigest()
        assert hit["headers"]["X-Liuyanban-Signature"] == f"sha256={expected}"
    payload = json.loads(Receiver.received[-1]["body"])
    assert payload["event"] == "approve"
    assert payload["message"]["tracking_number"] == message.tracking_number
    assert "13812345678" not in Receiver.received[-1]["body"].decode()
    listed = as_("olga").get("/webhooks/deliveries").json()["items"]
    assert [d["state"] for d in listed] == ["delivered"]
    assert as_("oscar").get("/webhooks/deliveries").json()["items"] == []


def test_dead_endpoint_gives_up(
    world: Any, django_capture_on_commit_callbacks: Any, loopback_allowed: None
) -> None:
    from liuyanban.api import webhooks

    WebhookEndpointFactory.create(organization=world.root, url="http://127.0.0.1:9/")
    message = world.message_in("submitted")
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_message(actor=world.mona, message_id=message.pk)
    # The submission was recorded for this endpoint too (it wants every event kind).
    delivery = WebhookDelivery.objects.get(event_kind="approve")
    for _ in range(webhooks.MAX_ATTEMPTS):
        WebhookDelivery.objects.filter(pk=delivery.pk, state="pending").update(
            next_attempt_at=delivery.created_at
        )
        webhooks.deliver_due()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, webhooks.MAX_ATTEMPTS)
    assert delivery.last_error


def test_backoff_grows() -> None:
    from liuyanban.api.webhooks import backoff

    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(30).total_seconds() == 6 * 3600


def test_create_api_token_command(world: Any) -> None:
    import io

    out = io.StringIO()
    call_command("create_api_token", "olga", "--name", "东区系统", stdout=out)
    secret = out.getvalue().split()[-1]
    token = ApiToken.objects.get(name="东区系统")
    assert secret.startswith("lyb_") and secret not in token.key_hash
    assert hashlib.sha256(secret.encode()).hexdigest() == token.key_hash
