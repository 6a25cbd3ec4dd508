"""Messages stored before regions were derived get their board's region from the migration."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps

from liuyanban.analytics.models import Cursor
from liuyanban.lifecycle.models import Message
from liuyanban.testing.world import World


def test_backfill_sets_the_boards_region_and_rewinds_the_rollup_cursor(world: World) -> None:
    old = world.submit(None)
    west = world.submit(None, board_id=world.west_board.pk)
    Message.objects.filter(pk__in=[old.pk, west.pk]).update(region=None)
    Cursor.objects.update_or_create(name="rollups", defaults={"last_event_id": 99})
    migration = import_module("liuyanban.lifecycle.migrations.0005_message_region_from_board")
    migration.forwards(apps, None)
    assert Message.objects.get(pk=old.pk).region == world.east_region
    assert Message.objects.get(pk=west.pk).region.name == "西区"  # type: ignore[union-attr]
    assert Cursor.objects.get(name="rollups").last_event_id == 0
