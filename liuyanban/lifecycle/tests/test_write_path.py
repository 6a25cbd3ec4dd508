"""The write path's savings keep its guarantees: one INSERT for a change's jobs, search
indexed by the worker, remembered lookups forgotten when their rows change."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from liuyanban.core.errors import InvalidInput
from liuyanban.lifecycle import actions, lookups
from liuyanban.lifecycle.models import Message
from liuyanban.lifecycle.search import index_message, search_messages
from liuyanban.taxonomy.models import Domain
from liuyanban.testing.world import World

pytestmark = pytest.mark.django_db

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_an_approval_queues_all_its_jobs_with_one_insert(world: World, settings: Any) -> None:
    settings.TASKS = DB_BACKEND
    message = world.submit()
    with CaptureQueriesContext(connection) as queries:
        actions.approve_message(actor=world.mona, message_id=message.pk)
    inserts = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("INSERT") and DBTaskResult._meta.db_table in q["sql"]
    ]
    assert len(inserts) == 1
    queued = {
        r.task_path: r.args_kwargs["args"]
        for r in DBTaskResult.objects.exclude(task_path__endswith="analyse_message")
    }
    assert queued["liuyanban.lifecycle.tasks.index_for_search"] == [message.pk]
    assert queued["liuyanban.intelligence.tasks.update_hot_issue"] == [message.pk]
    assert queued["liuyanban.notifications.tasks.email_notifications"]


def test_search_finds_an_approved_message_once_its_index_task_has_run(world: World) -> None:
    message = world.submit(title="幸福路路灯三个月不亮", body="幸福路的路灯坏了三个月，晚上很黑。")
    actions.approve_message(actor=world.mona, message_id=message.pk)
    assert Message.objects.get(pk=message.pk).search_text == ""  # no worker has run
    assert index_message(message.pk) is True
    assert [m.pk for m in search_messages("路灯").items] == [message.pk]
    assert index_message(message.pk) is False  # nothing changed: nothing written


def test_a_remembered_domain_is_forgotten_when_it_is_saved(world: World) -> None:
    domain = Domain.objects.filter(is_active=True).first()
    assert domain is not None
    assert lookups.domains.get(domain.pk).is_active  # type: ignore[union-attr]
    domain.is_active = False
    domain.save()
    assert not lookups.domains.get(domain.pk).is_active  # type: ignore[union-attr]
    with pytest.raises(InvalidInput) as refused:
        world.submit(domain_id=domain.pk)
    assert "domain" in refused.value.fields
