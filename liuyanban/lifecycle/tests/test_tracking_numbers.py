"""Tracking numbers stay random and unguessable, and a drawn duplicate never fails a submission."""

from __future__ import annotations

import re
import secrets
from typing import Any
from unittest import mock

import pytest
from django.db import IntegrityError

from liuyanban.lifecycle.actions import writing
from liuyanban.lifecycle.models import Message
from liuyanban.testing.world import World


def test_a_colliding_number_is_drawn_again(world: World) -> None:
    """It used to be a 500: the IntegrityError branch only expected idempotency keys."""
    draws = iter([123456, 123456, 123456, 654321])
    with mock.patch.object(secrets, "randbelow", side_effect=lambda n: next(draws)):
        first = world.submit()
        second = world.submit(author=world.bob)
    assert first.tracking_number.endswith("123456")
    assert second.tracking_number.endswith("654321")
    assert Message.objects.count() == 2
    assert second.events.get().action == "submit"


def test_a_colliding_number_through_the_rest_api(world: World, client: Any) -> None:
    """Through the product: the second citizen still gets a 201 and a tracking number."""
    from liuyanban.api.models import ApiToken
    from liuyanban.organizations.models import Board
    from liuyanban.taxonomy.models import Domain, Kind

    first = world.submit()
    _, secret = ApiToken.issue(user=world.bob, name="bob-test")
    draft = world.draft()
    fixed = int(first.tracking_number[-6:])
    draws = iter([fixed, 777777])
    with mock.patch.object(secrets, "randbelow", side_effect=lambda n: next(draws)):
        response = client.post(
            "/api/v1/messages",
            {
                "board": Board.objects.get(pk=draft.board_id).code,
                "domain": Domain.objects.get(pk=draft.domain_id).code,
                "kind": Kind.objects.get(pk=draft.kind_id).code,
                "title": draft.title,
                "body": draft.body,
            },
            content_type="application/json",
            headers={"Authorization": f"Bearer {secret}"},
        )
    assert response.status_code == 201, response.content
    assert Message.objects.filter(author=world.bob).get().tracking_number.endswith("777777")


def test_idempotency_key_collisions_still_return_the_first_message(world: World) -> None:
    first = world.submit(idempotency_key="same-key")
    again = world.submit(idempotency_key="same-key")
    assert again.pk == first.pk


def test_numbers_keep_their_form() -> None:
    assert re.fullmatch(r"LY\d{6}\d{6}", writing.new_tracking_number())


def test_an_unrelated_integrity_error_is_not_swallowed(world: World) -> None:
    with (
        mock.patch.object(
            Message.objects,
            "create",
            side_effect=IntegrityError("some other constraint"),
        ),
        pytest.raises(IntegrityError),
    ):
        world.submit()
