"""``final_replies_for``: the one batched read of standing final replies (Open311, exports)."""

from __future__ import annotations

from typing import Any

from liuyanban.api.exporting import rows
from liuyanban.lifecycle import actions, selectors
from liuyanban.lifecycle.models import Message, Reply, ReplyKind, Resolution, Status
from liuyanban.testing.world import World


def _final(world: World, m: Message, body: str) -> Reply:
    reply = actions.reply_final(
        actor=world.uma, message_id=m.pk, body=body, resolution=Resolution.SOLVED
    )
    m.refresh_from_db()
    if m.status == Status.REVIEWING:
        actions.approve_reply(actor=world.olga, message_id=m.pk)
    return reply


def test_the_latest_published_final_reply_stands(
    world: World, django_assert_num_queries: Any
) -> None:
    replied = world.message_in(Status.REPLIED)
    actions.evaluate_message(
        actor=world.alice, message_id=replied.pk, solved=1, attitude=2, speed=2
    )
    actions.reopen_message(actor=world.olga, message_id=replied.pk, reason="群众反映仍未解决")
    second = _final(world, replied, "第二次答复：路灯已全部更换并复查，特此答复。")
    handling = world.message_in(Status.IN_HANDLING, title="东区幸福路另一条留言标题")
    actions.reply_interim(actor=world.uma, message_id=handling.pk, body="正在核查中，请耐心等待。")
    published = world.message_in(Status.PUBLISHED, title="东区幸福路第三条留言标题")
    ids = [replied.pk, handling.pk, published.pk]
    with django_assert_num_queries(1):
        found = selectors.final_replies_for(ids)
        orgs = {pk: r.organization.name for pk, r in found.items()}
        texts = {pk: r.public_body for pk, r in found.items()}
    assert set(found) == {replied.pk}  # interim replies and unanswered messages have none
    assert found[replied.pk].pk == second.pk and found[replied.pk].kind == ReplyKind.FINAL
    assert orgs[replied.pk] == world.east_housing.name
    assert texts[replied.pk].startswith("第二次答复")


def test_export_queries_do_not_grow_with_the_rows(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for i in range(2):
        world.message_in(Status.REPLIED, title=f"东区幸福路留言标题第{i}条")
    qs = Message.objects.filter(status__in=[Status.REPLIED])
    with django_assert_max_num_queries(50) as two:
        assert len(list(rows(qs))) == 2
    for i in range(2, 6):
        world.message_in(Status.REPLIED, title=f"东区幸福路留言标题第{i}条")
    with django_assert_max_num_queries(len(two.captured_queries)):
        exported = list(rows(qs))
    assert len(exported) == 6
    # The reply's organisation and public text, then the four rating cells.
    assert all(cells[-6] == world.east_housing.name for cells in exported)
    assert all("恢复照明" in cells[-5] for cells in exported)
