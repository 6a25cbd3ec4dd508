"""Webhooks: every lifecycle event becomes a signed POST to the endpoints that want it.

The signal receiver only writes ``WebhookDelivery`` rows and enqueues a task:
the HTTP call happens in the task, never in the request, so a dead endpoint
cannot slow the platform. Failed attempts are retried with exponential
backoff (``deliver_due`` / ``manage.py deliver_webhooks``) and given up after
``MAX_ATTEMPTS``.

Signature: ``X-Liuyanban-Signature: sha256=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>``
with ``X-Liuyanban-Timestamp`` (Unix seconds).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from liuyanban.core.rowcache import Memo
from liuyanban.lifecycle.models import Event, Message
from liuyanban.lifecycle.selectors import PUBLIC_DETAIL_KEYS

from . import outbound
from .models import DeliveryState, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5
MAX_ATTEMPTS = 8
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)
# While one worker sends, others leave the delivery alone for this long.
LEASE = timedelta(seconds=TIMEOUT_SECONDS * 3)
USER_AGENT = "Liuyanban-Webhooks/1"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 30 s, 1 min, 2 min … at most 6 h."""
    return min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)


def _orgs(message: Message) -> list[Any]:
    return [o for o in (message.board.organization, message.office, message.unit) if o]


def endpoints_for(message: Message) -> list[WebhookEndpoint]:
    """Active endpoints whose organisation is the message's board body, office or unit, or above."""
    paths = {p for org in _orgs(message) for p in org.ancestors_paths()}
    return list(
        WebhookEndpoint.objects.filter(is_active=True, organization__path__in=paths).order_by("pk")
    )


def payload_for(event: Event) -> dict[str, Any]:
    """What receivers get: the step and the message's public facts, never contact data."""
    m = event.message
    return {
        "event_id": event.pk,
        "event": event.action,
        "at": event.at.isoformat(),
        "from_status": event.from_status,
        "to_status": event.to_status,
        "public": event.is_public,
        "details": {k: v for k, v in event.details.items() if k in PUBLIC_DETAIL_KEYS},
        "message": {
            "tracking_number": m.tracking_number,
            "status": m.status,
            "board": m.board.code,
            "office": m.office.code,
            "unit": m.unit.code if m.unit else None,
            "domain": m.domain.code,
            "kind": m.kind.code,
            "title": m.public_title,
            "current_due": m.current_due.isoformat() if m.current_due else None,
            "url": f"/messages/{m.tracking_number}/",
        },
    }


# Whether any endpoint is active, asked at most once a second per process (every event
# asks). The process that saves or deletes an endpoint knows at once, others within
# ENDPOINTS_MEMO seconds: an endpoint starts receiving at most that much later.
ENDPOINTS_MEMO = 1.0
_any_active: Memo[None, bool] = Memo(
    "active webhook endpoints",
    lambda _key: WebhookEndpoint.objects.filter(is_active=True).exists(),
    watch=(WebhookEndpoint,),
    ttl=ENDPOINTS_MEMO,
)


def record_deliveries(event: Event) -> list[WebhookDelivery]:
    """One pending delivery per interested endpoint (idempotent per endpoint and event)."""
    # Most events concern no endpoint at all: a remembered answer before the joined load.
    if not _any_active.get(None):
        return []
    event = Event.objects.select_related(
        "message__board__organization",
        "message__office",
        "message__unit",
        "message__domain",
        "message__kind",
    ).get(pk=event.pk)
    wanted = [e for e in endpoints_for(event.message) if e.wants(event.action)]
    if not wanted:
        return []
    payload = payload_for(event)
    created = []
    for endpoint in wanted:
        try:
            with transaction.atomic():
                created.append(
                    WebhookDelivery.objects.create(
                        endpoint=endpoint,
                        event=event,
                        event_kind=event.action,
                        payload=payload,
                        next_attempt_at=timezone.now(),
                    )
                )
        except IntegrityError:
            continue  # already recorded for this endpoint
    return created


def overdue(now: datetime | None = None) -> int:
    """Pending deliveries whose attempt is more than a minute late (for the sweeper)."""
    now = now or timezone.now()
    return WebhookDelivery.objects.filter(
        state=DeliveryState.PENDING, next_attempt_at__lt=now - timedelta(minutes=1)
    ).count()


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """Take a due delivery for one attempt; two workers never send the same one at once."""
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, state=DeliveryState.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST to a checked public address and return the HTTP status (see ``outbound``)."""
    return outbound.post(url, body, headers, timeout=TIMEOUT_SECONDS)


def attempt(delivery_id: int) -> str:
    """One attempt at a due delivery; returns its state afterwards ("" when not due)."""
    now = timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return ""
    body = json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Liuyanban-Event": delivery.event_kind,
        "X-Liuyanban-Delivery": str(delivery.pk),
        "X-Liuyanban-Timestamp": timestamp,
        "X-Liuyanban-Signature": sign(delivery.endpoint.secret, timestamp, body),
    }
    status, error = 0, ""
    try:
        status = post(delivery.endpoint.url, body, headers)
    except outbound.DeliveryFailed as exc:  # refused, timed out, DNS, blocked address
        error = str(exc)
    return _finish(delivery, status, error)


def _finish(delivery: WebhookDelivery, status: int, error: str) -> str:
    delivery.attempts += 1
    delivery.last_status_code = status or None
    now = timezone.now()
    if 200 <= status < 300:
        delivery.state = DeliveryState.DELIVERED
        delivery.delivered_at = now
        delivery.last_error = ""
        delivery.next_attempt_at = None
    else:
        delivery.last_error = error or f"HTTP {status}"
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.state = DeliveryState.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
    delivery.save(
        update_fields=[
            "attempts",
            "last_status_code",
            "state",
            "delivered_at",
            "last_error",
            "next_attempt_at",
        ]
    )
    logger.info(
        "webhook %s → %s: attempt %s, %s",
        delivery.pk,
        delivery.endpoint.url,
        delivery.attempts,
        delivery.state,
    )
    return delivery.state


def due_ids(now: datetime | None = None, limit: int = 500) -> list[int]:
    """Pending deliveries whose next attempt is due, oldest first."""
    return list(
        WebhookDelivery.objects.filter(
            state=DeliveryState.PENDING, next_attempt_at__lte=now or timezone.now()
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def deliver_due(now: datetime | None = None) -> dict[str, int]:
    """Attempt every due delivery once; counts by resulting state."""
    counts: dict[str, int] = {}
    for delivery_id in due_ids(now):
        state = attempt(delivery_id)
        if state:
            counts[state] = counts.get(state, 0) + 1
    return counts
