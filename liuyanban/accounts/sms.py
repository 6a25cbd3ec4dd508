"""Pluggable SMS senders. Production sets SMS_BACKEND to a gateway's adapter."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)
outbox: list[tuple[str, str]] = []  # what the in-memory backend "sent", for tests


class SmsBackend(Protocol):
    """What an SMS gateway adapter must offer."""

    def send(self, phone: str, text: str) -> None: ...


class ConsoleSmsBackend:
    """Development: print the text instead of sending it."""

    def send(self, phone: str, text: str) -> None:
        print(f"[SMS to {phone}] {text}", flush=True)


class MemorySmsBackend:
    """Tests: keep the texts in ``outbox``."""

    def send(self, phone: str, text: str) -> None:
        outbox.append((phone, text))


def send_sms(phone: str, text: str) -> None:
    """Send one text through the configured backend."""
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    backend.send(phone, text)
