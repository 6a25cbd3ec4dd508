"""Attempt every due webhook delivery once (run from cron or a scheduler every minute)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from liuyanban.api.webhooks import deliver_due


class Command(BaseCommand):
    help = "Attempt every due webhook delivery once; failures are retried later with backoff."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = deliver_due()
        summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "nothing due"
        self.stdout.write(summary)
