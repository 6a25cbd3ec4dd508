"""The test factories make valid, unique plain data (liuyanban/testing/factories.py)."""

from __future__ import annotations

import pytest

from liuyanban.accounts.models import Membership, Role
from liuyanban.api.models import ApiToken, hash_secret
from liuyanban.testing.factories import (
    ApiTokenFactory,
    BoardFactory,
    MembershipFactory,
    OrganizationFactory,
    StaffFactory,
    UserFactory,
    WebhookEndpointFactory,
)

pytestmark = pytest.mark.django_db


def test_users_are_unique_and_can_log_in() -> None:
    first, second = UserFactory.create(), UserFactory.create(password="geheim-123")
    assert first.username != second.username and first.email != second.email
    assert first.check_password(f"pw-{first.username}")
    assert second.check_password("geheim-123") and not second.check_password("pw-")
    assert "geheim" not in second.password  # hashed through set_password


def test_staff_gets_one_role_in_its_organisation() -> None:
    bureau = OrganizationFactory.create()
    clerk = StaffFactory.create(membership__organization=bureau, membership__role=Role.CLERK)
    assert list(Membership.objects.filter(user=clerk).values_list("organization", "role")) == [
        (bureau.pk, Role.CLERK)
    ]
    officer = MembershipFactory.create(organization=bureau)
    assert officer.role == Role.OFFICER and officer.user != clerk


def test_directory_paths_follow_parents() -> None:
    parent = OrganizationFactory.create(code="p")
    child = OrganizationFactory.create(code="c", parent=parent)
    board = BoardFactory.create(organization=child)
    assert child.path == "p/c/"
    assert board.organization == child and board.name == child.name


def test_api_token_secret_matches_its_stored_hash() -> None:
    token, secret = ApiTokenFactory.issue()
    assert ApiToken.objects.get(key_hash=hash_secret(secret)) == token
    assert secret not in token.key_hash


def test_webhook_endpoints_subscribe_to_every_event_by_default() -> None:
    endpoint = WebhookEndpointFactory.create()
    assert endpoint.wants("approve") and endpoint.url.startswith("https://")
