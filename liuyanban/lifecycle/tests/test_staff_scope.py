"""The staff scope of messages (``lifecycle.selectors.staff_messages`` and friends).

Public messages are visible to everyone; the workbench lists a message only to staff
whose organisations hold it, or to the board's own leader.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from liuyanban.core.errors import NotFound
from liuyanban.lifecycle import selectors
from liuyanban.lifecycle.models import Status
from liuyanban.testing.world import World


def test_staff_scope_is_narrower_than_visibility(world: World) -> None:
    m = world.message_in(Status.ASSIGNED)  # east board, office and housing unit
    # In scope: the east office and unit, the east leader, and the province-wide roles.
    in_scope = {
        u.username for u in [world.olga, world.uma, world.leo, world.mona, world.sam, world.ann]
    }
    for user in world.people.values():
        listed = selectors.staff_messages(user).filter(pk=m.pk).exists()
        assert listed == (user.username in in_scope), user.username
        # Everyone sees a public message; only those in scope get it on the workbench.
        assert selectors.messages_visible_to(user).filter(pk=m.pk).exists()
    assert not selectors.staff_messages(AnonymousUser()).exists()


def test_get_staff_message_is_not_found_outside_the_scope(world: World) -> None:
    m = world.message_in(Status.PUBLISHED)
    assert selectors.get_staff_message(world.olga, m.tracking_number).pk == m.pk
    for outsider in (world.oscar, world.wanda, world.bob, world.alice):
        with pytest.raises(NotFound):
            selectors.get_staff_message(outsider, m.tracking_number)


def test_leader_messages_are_the_public_ones_on_their_boards(world: World) -> None:
    public = world.message_in(Status.PUBLISHED)
    waiting = world.message_in(Status.SUBMITTED, title="东区幸福路还没审核的留言")
    west = world.message_in(
        Status.SUBMITTED, board_id=world.west_board.pk, title="西区的一条留言标题"
    )
    ids = set(selectors.leader_messages(world.leo).values_list("pk", flat=True))
    assert public.pk in ids and waiting.pk not in ids and west.pk not in ids
    assert not selectors.leader_messages(world.olga).exists()
    assert not selectors.leader_messages(AnonymousUser()).exists()
