"""The admin pages of accounts (and core's rate counters) render for a superuser."""

from __future__ import annotations

import pytest
from django.test import Client

from liuyanban.testing.world import World


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/admin/accounts/user/",
        "/admin/accounts/user/add/",
        "/admin/accounts/verificationcode/",
        "/admin/core/ratecounter/",
    ],
)
def test_admin_pages_render(admin_client: Client, url: str) -> None:
    # The user list used to fail (500) on a user without a nickname: User.__str__
    # returned the lazy "网友" proxy, hidden behind a type: ignore.
    assert admin_client.get(url).status_code == 200


@pytest.mark.django_db
def test_a_users_page_shows_the_staff_posts_inline(admin_client: Client, world: World) -> None:
    response = admin_client.get(f"/admin/accounts/user/{world.olga.pk}/change/")
    assert response.status_code == 200
    assert 'name="memberships-0-role"' in response.content.decode()
