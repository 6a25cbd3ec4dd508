"""Keyset pages over one or two keys, ties included; cursors that do not fit; the shared text rule."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from liuyanban.core import paging
from liuyanban.core.errors import InvalidInput
from liuyanban.core.inputs import checked_text, set_public_text
from liuyanban.core.models import RateCounter


@pytest.fixture
def counters(db: None) -> list[RateCounter]:
    later = timezone.now() + timedelta(hours=1)
    # Ties on count, so the second key (the id) decides the order inside a tie.
    return [
        RateCounter.objects.create(key=f"k{i}", count=i % 3, expires_at=later) for i in range(10)
    ]


def _walk(keys: list[str], limit: int) -> list[int]:
    seen, cursor = [], None
    while True:
        page = paging.keyset_page(
            RateCounter.objects.all(), keys=keys, cursor=cursor, limit=limit, strict=True
        )
        seen += [r.pk for r in page.items]
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


@pytest.mark.parametrize("limit", [1, 3, 4, 10, 11])
def test_pages_cover_every_row_once_in_order(counters: list[RateCounter], limit: int) -> None:
    expected = [r.pk for r in sorted(counters, key=lambda r: (r.count, r.pk), reverse=True)]
    assert _walk(["count", "pk"], limit) == expected
    assert _walk(["pk"], limit) == sorted((r.pk for r in counters), reverse=True)


def test_a_cursor_that_does_not_fit(counters: list[RateCounter]) -> None:
    qs = RateCounter.objects.all()
    two_keys = paging.keyset_page(qs, keys=["count", "pk"], cursor=None, limit=2).next_cursor
    huge = paging.encode_cursor([10**30])
    for bad in ["x.y", "%%%", two_keys, huge]:
        # Lenient: from the top; strict: the field error "cursor".
        page = paging.keyset_page(qs, keys=["pk"], cursor=bad, limit=2)
        assert [r.pk for r in page.items] == sorted((r.pk for r in counters), reverse=True)[:2]
        with pytest.raises(InvalidInput) as exc:
            paging.keyset_page(qs, keys=["pk"], cursor=bad, limit=2, strict=True)
        assert "cursor" in exc.value.fields


def test_checked_text_and_public_edit() -> None:
    assert (
        checked_text("  路灯不亮  ", field_name="title", label="标题", min_len=2, max_len=10)
        == "路灯不亮"
    )
    with pytest.raises(InvalidInput) as short:
        checked_text(" 灯 ", field_name="title", label="标题", min_len=2, max_len=10)
    assert short.value.fields == {"title": ["标题至少需要 2 个字"]}
    with pytest.raises(InvalidInput) as long:
        checked_text("很" * 11, field_name="body", label="内容", min_len=2, max_len=10)
    assert long.value.fields == {"body": ["内容不能超过 10 个字"]}

    target = SimpleNamespace(public_title="原标题", public_body="原内容")
    assert set_public_text(target, title=None, body=None, title_max=5, body_max=50) == {}
    edited = set_public_text(target, title=" 新标题 ", body=None, title_max=5, body_max=50)
    assert edited == {"title_edited": True}
    assert (target.public_title, target.public_body) == ("新标题", "原内容")
    with pytest.raises(InvalidInput) as bad:
        set_public_text(target, title=None, body="", title_max=5, body_max=50)
    assert "public_body" in bad.value.fields
