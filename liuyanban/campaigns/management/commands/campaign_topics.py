"""manage.py campaign_topics <campaign id>: recompute topic groups now and print them."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from liuyanban.campaigns import actions, selectors
from liuyanban.core.errors import NotFound


class Command(BaseCommand):
    help = "Recompute a campaign's topic groups (TF-IDF + mini-batch k-means) and near-duplicates."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("campaign_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            count = actions.refresh_topics(campaign_id=options["campaign_id"])
        except NotFound:
            raise CommandError("no such campaign") from None
        elapsed = time.perf_counter() - started
        campaign = selectors.get_campaign(options["campaign_id"])
        for group in selectors.topic_groups(campaign):
            self.stdout.write(f"{group.size:>7}  {group.label}")
        self.stdout.write(f"{count} topic groups in {elapsed:.1f}s")
