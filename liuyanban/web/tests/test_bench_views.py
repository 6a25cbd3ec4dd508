"""The bench's anchor views exist only when switched on; production routing never has them."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from liuyanban.web.views import bench as bench_views


@pytest.mark.django_db
def test_anchor_views_are_not_routed_by_default(client: Client) -> None:
    for url in ["/_bench/empty/", "/_bench/rows/", "/_bench/pk/?id=1"]:
        assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_anchor_views_answer_when_called() -> None:
    request = RequestFactory().get("/_bench/pk/", {"id": "1"})
    assert bench_views.empty(request).content == b"ok"
    assert bench_views.rows(request).status_code == 200
    assert bench_views.by_pk(request).status_code == 200
