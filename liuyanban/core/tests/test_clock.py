"""The platform's clock: frozen_at sets "now" for our code and Django's alike."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from liuyanban.core import clock
from liuyanban.lifecycle.models import Event, Status
from liuyanban.notifications.models import Notification
from liuyanban.testing.world import World

PAST = datetime(2024, 3, 8, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_frozen_at_sets_now_and_today_then_lets_go() -> None:
    before = timezone.now()
    with clock.frozen_at(PAST):
        assert timezone.now() == PAST
        assert clock.now() == PAST
        assert timezone.localdate() == clock.localdate() == date(2024, 3, 8)
    after = timezone.now()
    assert after - before < timedelta(minutes=5)


def test_frozen_at_nests_and_needs_an_aware_moment() -> None:
    with clock.frozen_at(PAST):
        with clock.frozen_at(PAST + timedelta(days=1)):
            assert timezone.now() == PAST + timedelta(days=1)
        assert timezone.now() == PAST
    with pytest.raises(ValueError), clock.frozen_at(datetime(2024, 3, 8)):
        pass


@pytest.mark.django_db
def test_an_action_inside_frozen_at_is_dated_then(world: World) -> None:
    """The demo's replay: events, deadlines, auto_now fields and notices carry the moment."""
    with clock.frozen_at(PAST):
        m = world.message_in(Status.PUBLISHED)
    assert {e.at for e in Event.objects.filter(message=m)} == {PAST}
    assert m.submitted_at == PAST and m.published_at == PAST
    m.refresh_from_db()
    assert m.updated_at == PAST  # auto_now
    assert m.accept_due is not None and m.accept_due > date(2024, 3, 8)
    assert m.accept_due < date(2024, 4, 8)
    assert set(Notification.objects.values_list("created_at", flat=True)) == {PAST}  # auto_now_add


def test_nothing_is_patched_outside_a_frozen_block() -> None:
    """Migration files and model defaults must see Django's own ``timezone.now``."""
    system = timezone.now
    assert system.__module__ == "django.utils.timezone"
    with clock.frozen_at(PAST):
        assert timezone.now is clock.now
    assert timezone.now is system
