"""The nickname given with one message or suggestion follows the account nickname's rule,
through every interface: the web form, the REST API, imports and campaign suggestions."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from liuyanban.accounts.nicknames import validate_nickname
from liuyanban.api.models import ApiToken
from liuyanban.campaigns import actions as campaign_actions
from liuyanban.campaigns.models import Campaign, Suggestion
from liuyanban.core.errors import InvalidInput
from liuyanban.lifecycle.models import Message
from liuyanban.taxonomy.models import Domain, Kind
from liuyanban.testing.campaigns import open_campaign
from liuyanban.testing.world import World

PERSONAL = "13812345678"
BAD = [
    (PERSONAL, "个人信息"),
    ("138 1234 5678", "个人信息"),
    ("me@example.com", "个人信息"),
    ("平台官方客服", "官方"),
    ("李" * 21, "2–20"),
    ("夜归\u200b人", "文字"),  # zero-width space
    ("夜归\x07人", "文字"),
]


@pytest.mark.parametrize(("nickname", "says"), BAD)
def test_the_one_rule(nickname: str, says: str) -> None:
    with translation.override("zh-hans"), pytest.raises(InvalidInput) as error:
        validate_nickname(nickname)
    assert says in error.value.fields["nickname"][0]


def test_blank_means_the_account_nickname(world: World) -> None:
    message = world.submit(world.alice, nickname="")
    assert message.author_nickname == world.alice.nickname


def _form(world: World, nickname: str) -> dict[str, str]:
    return {
        "board": str(world.east_board.pk),
        "domain": str(Domain.objects.get(code="urban").pk),
        "kind": str(Kind.objects.get(code="complaint").pk),
        "title": "幸福路路灯长期不亮",
        "body": "幸福路从一号到九号的路灯已经三个月不亮了，晚上出行很不安全。",
        "nickname": nickname,
        "idempotency_key": "n" * 32,
    }


def test_web_write_form(world: World) -> None:
    client = Client()
    client.force_login(world.alice)
    response = client.post("/write/", _form(world, PERSONAL))
    assert response.status_code == 400
    assert "不能包含手机号" in response.content.decode()
    assert not Message.objects.exists()
    assert client.post("/write/", _form(world, "夜归人")).status_code == 302
    assert Message.objects.get().author_nickname == "夜归人"


def _bearer(user: Any) -> dict[str, str]:
    _, secret = ApiToken.issue(user=user, name="t")
    return {"Authorization": f"Bearer {secret}"}


def test_rest_api(world: World) -> None:
    payload = {
        "board": "990101-head",
        "domain": "urban",
        "kind": "complaint",
        "title": "东区幸福路路灯长期不亮",
        "body": "幸福路从一号到九号的路灯已经三个月不亮了，晚上出行很不安全。",
        "nickname": f"市民{PERSONAL}",
    }
    response = Client().post(
        "/api/v1/messages", payload, content_type="application/json", headers=_bearer(world.alice)
    )
    assert response.status_code == 400
    assert "nickname" in response.json()["fields"]
    assert not Message.objects.exists()


def test_import_reports_the_row(world: World) -> None:
    rows = (
        "外部编号,来源渠道,标题,内容,领域,类型,昵称\n"
        f"H-1,热线,东区幸福路路灯长期不亮,幸福路从一号到九号的路灯已经三个月不亮了。,urban,投诉,{PERSONAL}\n"
        "H-2,热线,西湖路积水严重影响出行,西湖路下雨后积水严重影响出行安全。,urban,投诉,老王\n"
    )
    file = SimpleUploadedFile("hotline.csv", rows.encode(), "text/csv")
    response = Client().post(
        "/api/v1/imports/messages",
        {"board": "990101-head", "file": file},
        headers=_bearer(world.olga),
    )
    report = response.json()
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(2, "昵称")]
    assert list(Message.objects.values_list("author_nickname", flat=True)) == ["老王"]


@pytest.fixture
def campaign(world: World) -> Campaign:
    return open_campaign(world, title="食堂反浪费征集")


def test_campaign_suggestion(world: World, campaign: Campaign) -> None:
    draft = campaign_actions.SuggestionDraft(
        title="推行小份菜", body="建议单位食堂推行小份菜和半份菜，减少浪费。", nickname=PERSONAL
    )
    with pytest.raises(InvalidInput) as error:
        campaign_actions.submit_suggestion(author=world.bob, campaign_id=campaign.pk, draft=draft)
    assert "nickname" in error.value.fields
    client = Client()
    client.force_login(world.bob)
    page = client.post(
        f"/campaigns/{campaign.pk}/",
        {"title": draft.title, "body": draft.body, "nickname": "客服小王"},
    )
    assert page.status_code == 400 and "官方" in page.content.decode()
    assert not Suggestion.objects.exists()
