"""The data migration: images of messages already public stay public; the rest wait."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from liuyanban.lifecycle.attachments import Upload
from liuyanban.lifecycle.models import Attachment, Status
from liuyanban.testing.images import png_bytes

BEFORE = [("lifecycle", "0005_message_region_from_board")]
AFTER = [("lifecycle", "0006_attachment_moderation")]


@pytest.mark.django_db(transaction=True)
def test_existing_public_images_stay_public() -> None:
    from liuyanban.testing.world import build_world

    world = build_world()
    published = world.message_in(Status.PUBLISHED, attachments=[Upload("a.png", png_bytes())])
    waiting = world.submit(attachments=[Upload("b.png", png_bytes(9, 9))])
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps.get_model("lifecycle", "Attachment")
        # Before this change every image became public with its message.
        old.objects.update(is_public=True)
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        executor.loader.build_graph()
        states = dict(Attachment.objects.values_list("message_id", "state"))
        assert states == {published.pk: "published", waiting.pk: "pending"}
    finally:
        # Leave the schema as the rest of the suite expects it: every migration applied.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
