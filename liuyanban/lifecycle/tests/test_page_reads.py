"""The message page's reads compiled once (``core.prepared``) give what the ORM gives."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import F

from liuyanban.core.errors import NotFound
from liuyanban.core.prepared import Prepared
from liuyanban.lifecycle import actions, selectors, stats_public
from liuyanban.lifecycle.attachments import Upload
from liuyanban.lifecycle.models import Attachment, Event, Message, Reply, ReplyState, Status
from liuyanban.testing.images import png_bytes
from liuyanban.testing.world import World


def test_a_prepared_read_returns_the_querysets_rows_for_each_argument(world: World) -> None:
    first = world.message_in(Status.CLOSED)
    second = world.message_in(Status.IN_HANDLING)
    read = Prepared(
        Event,
        lambda mid: (
            Event.objects.filter(message_id=mid, is_public=True)
            .annotate(actor_org_name=F("actor_org__name"))
            .order_by("pk")
        ),
    )
    for message in (first, second, first):  # compiled once, run with each id
        orm = list(Event.objects.filter(message=message, is_public=True).order_by("pk"))
        rows = list(read(message.pk))
        assert [(e.pk, e.action, e.at, e.details) for e in rows] == [
            (e.pk, e.action, e.at, e.details) for e in orm
        ]
        assert [e.actor_org_name for e in rows] == [  # type: ignore[attr-defined]
            e.actor_org.name if e.actor_org else None for e in orm
        ]
    assert len(rows) > 2


def test_a_prepared_read_refuses_what_it_cannot_run(world: World) -> None:
    joined = Prepared(
        Reply, lambda mid: Reply.objects.filter(message_id=mid).select_related("organization")
    )
    with pytest.raises(ValueError, match="related"):
        list(joined(1))
    twice = Prepared(Reply, lambda mid: Reply.objects.filter(message_id=mid, pk=mid))
    with pytest.raises(ValueError, match="once"):
        list(twice(1))


def test_the_public_page_reads_match_the_orm(world: World, django_assert_num_queries: Any) -> None:
    m = world.message_in(Status.REPLIED)
    expected = list(
        Reply.objects.filter(message=m, state=ReplyState.PUBLISHED)
        .select_related("organization")
        .order_by("published_at", "pk")
    )
    with django_assert_num_queries(1):
        replies = stats_public.published_replies(m)
        # The replying body's names came with the replies.
        names = [r.organization.local_name for r in replies]
    assert [r.pk for r in replies] == [r.pk for r in expected] and replies
    assert names == [r.organization.local_name for r in expected]
    assert [r.public_body for r in replies] == [r.public_body for r in expected]
    with django_assert_num_queries(1):
        steps = selectors.timeline(m)
    assert [s["action"] for s in steps] == list(
        Event.objects.filter(message=m, is_public=True)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert any(s["actor"] for s in steps)  # a body's name, from the same query


def test_a_message_without_a_published_reply_asks_nothing_for_replies(
    world: World, django_assert_num_queries: Any
) -> None:
    m = world.message_in(Status.IN_HANDLING)
    with django_assert_num_queries(0):
        assert stats_public.published_replies(m) == []
    done = world.message_in(Status.CLOSED)
    assert done.first_reply_at is not None and stats_public.published_replies(done)


def test_the_public_message_read_names_board_domain_and_kind_in_one_query(
    world: World, django_assert_num_queries: Any
) -> None:
    m = world.message_in(Status.REPLIED)
    with django_assert_num_queries(1):
        found = selectors.get_public_message(m.tracking_number)
        board, domain, kind = found.board, found.domain, found.kind
        names = [board.code, board.local_name, domain.local_name, kind.local_name]
        shown = (*names, found.public_title, found.published_at)
    assert shown == (
        m.board.code,
        m.board.local_name,
        m.domain.local_name,
        m.kind.local_name,
        m.public_title,
        m.published_at,
    )
    hidden = world.message_in(Status.SUBMITTED)
    for tracking in (hidden.tracking_number, "NO-SUCH", ""):
        with pytest.raises(NotFound):
            selectors.get_public_message(tracking)


def test_images_and_ratings_are_asked_for_only_when_the_public_read_saw_some(
    world: World, django_assert_num_queries: Any
) -> None:
    m = world.message_in(Status.REPLIED)
    found = selectors.get_public_message(m.tracking_number)
    with django_assert_num_queries(0):
        assert selectors.published_image_list(found) == []
        assert stats_public.evaluations_of(found) == []
    assert m.author is not None
    actions.evaluate_message(actor=m.author, message_id=m.pk, solved=5, attitude=5, speed=4)
    pk = world.submit(attachments=[Upload("a.png", png_bytes(8, 6))]).pk
    (image,) = Attachment.objects.filter(message_id=pk)
    actions.approve_message(actor=world.mona, message_id=pk, images={image.pk: "published"})
    rated = selectors.get_public_message(m.tracking_number)
    pictured = selectors.get_public_message(Message.objects.get(pk=pk).tracking_number)
    with django_assert_num_queries(2):
        assert [e.solved for e in stats_public.evaluations_of(rated)] == [5]
        assert [a.pk for a in selectors.published_image_list(pictured)] == [image.pk]
