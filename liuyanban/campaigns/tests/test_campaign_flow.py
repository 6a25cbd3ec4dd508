"""A campaign walked through the web pages: create, submit, moderate, support, group, adopt, results."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from liuyanban.campaigns import actions, selectors
from liuyanban.campaigns.models import Campaign, CampaignEvent, Suggestion, SuggestionStatus
from liuyanban.lifecycle.models import Status
from liuyanban.taxonomy.models import Domain
from liuyanban.testing.factories import MembershipFactory
from liuyanban.testing.images import png_bytes
from liuyanban.testing.world import World

PNG = png_bytes()

IDEAS = [
    ("食堂推行小份菜", "建议单位食堂推行小份菜和半份菜，按需取餐，减少剩饭剩菜的浪费。"),
    ("食堂提供半份菜", "希望机关食堂提供半份菜，吃多少打多少，杜绝剩菜浪费，倡导光盘行动。"),
    ("公交早高峰加密班次", "早高峰公交车太挤，建议加密班次，缩短发车间隔，方便上班族出行。"),
    ("增开早高峰公交", "上班时段公交车挤不上，请增开早高峰公交班次，缩短候车时间。"),
]


def _login(client: Client, name: str) -> Client:
    assert client.login(username=name, password=f"pw-{name}")
    return client


def _create(client: Client, world: World, **over: str) -> Campaign:
    now = timezone.localtime()
    data = {
        "host": str(world.east.pk),
        "kind": "suggestion",
        "title": "公共机构食堂反食品浪费等您支招",
        "description": "围绕机关食堂反对食品浪费，征集您的金点子。",
        "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
        "domains": [str(Domain.objects.get(code="urban").pk)],
        "questions": "*您所在的单位类型|50\n您的其他想法",
        **over,
    }
    response = client.post(reverse("web:campaign_create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Campaign.objects.latest("id")


def _submit(client: Client, campaign: Campaign, title: str, body: str, key: str = "") -> object:
    return client.post(
        reverse("web:campaign", args=[campaign.pk]),
        {
            "title": title,
            "body": body,
            "answer_q1": "机关单位",
            "region": "",
            "idempotency_key": key,
        },
    )


def _download(client: Client, url: str) -> str:
    """A streamed CSV download as text (the BOM removed)."""
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(getattr(response, "streaming_content", [])).decode("utf-8-sig")


@pytest.fixture
def campaign(world: World) -> Campaign:
    return _create(_login(Client(), "olga"), world)


def test_only_host_staff_may_create_a_campaign(world: World) -> None:
    assert _login(Client(), "alice").get(reverse("web:campaign_create")).status_code == 404
    campaign = _create(_login(Client(), "olga"), world)
    assert campaign.host == world.east
    assert campaign.questions[0] == {
        "key": "q1",
        "label": "您所在的单位类型",
        "required": True,
        "max_length": 50,
    }
    assert campaign.phase() == "open"
    assert CampaignEvent.objects.filter(campaign=campaign, action="create").count() == 1


def test_campaign_rejects_bad_dates_and_fake_cover(world: World) -> None:
    client = _login(Client(), "olga")
    now = timezone.localtime()
    response = client.post(
        reverse("web:campaign_create"),
        {
            "host": str(world.east.pk),
            "kind": "urgent",
            "title": "急难愁盼问题征集",
            "description": "请告诉我们您身边最急最难的问题。",
            "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "cover": io.BytesIO(b"not an image"),
        },
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "截止时间须晚于开始时间" in text
    assert "不是 JPEG、PNG、GIF 或 WebP 图片" in text
    assert not Campaign.objects.exists()


def test_cover_image_type_is_sniffed(world: World) -> None:
    client = _login(Client(), "olga")
    upload = io.BytesIO(PNG)
    upload.name = "cover.jpg"
    campaign = _create(client, world, cover=upload)  # type: ignore[arg-type]
    assert campaign.cover_type == "image/png"
    assert campaign.cover.name.endswith(".png")


def test_full_walk(
    world: World, campaign: Campaign, django_capture_on_commit_callbacks: Any
) -> None:
    alice, bob = _login(Client(), "alice"), _login(Client(), "bob")
    # Validation: a missing required answer and a too-short body are shown next to the fields.
    bad = alice.post(reverse("web:campaign", args=[campaign.pk]), {"title": "小份菜", "body": "短"})
    assert bad.status_code == 400
    assert "您所在的单位类型" in bad.content.decode()
    assert "内容至少需要 10 个字" in bad.content.decode()
    # A double submit with one idempotency key makes one suggestion.
    for _ in range(2):
        ok = _submit(alice, campaign, *IDEAS[0], key="k-1")
        assert ok.status_code == 302  # type: ignore[attr-defined]
    assert Suggestion.objects.filter(campaign=campaign).count() == 1
    for i, (title, body) in enumerate(IDEAS[1:]):
        _submit(bob if i % 2 == 0 else alice, campaign, title, body + " 电话13812345678")
    assert Suggestion.objects.filter(campaign=campaign).count() == 4

    # Nothing is public before moderation; the author sees their own.
    page = Client().get(reverse("web:campaign", args=[campaign.pk])).content.decode()
    assert "食堂推行小份菜" not in page
    assert (
        "食堂推行小份菜" in alice.get(reverse("web:campaign", args=[campaign.pk])).content.decode()
    )

    # Moderation by mona (moderator over the host); olga (clerk) may not moderate.
    olga, mona = _login(Client(), "olga"), _login(Client(), "mona")
    first = Suggestion.objects.get(title=IDEAS[0][0])
    olga.post(reverse("web:campaign_moderate", args=[first.pk]), {"decision": "publish"})
    assert Suggestion.objects.get(pk=first.pk).status == SuggestionStatus.SUBMITTED
    # After commit, publishing gives the campaign's cached public pages a new version.
    with django_capture_on_commit_callbacks(execute=True):
        for s in Suggestion.objects.filter(campaign=campaign):
            mona.post(reverse("web:campaign_moderate", args=[s.pk]), {"decision": "publish"})
    assert set(Suggestion.objects.values_list("status", flat=True)) == {SuggestionStatus.PUBLISHED}
    page = Client().get(reverse("web:campaign", args=[campaign.pk])).content.decode()
    assert "食堂推行小份菜" in page
    assert "13812345678" not in page
    assert "13812345678" not in Suggestion.objects.get(title=IDEAS[1][0]).public_body

    # Support once; a second support is refused; own suggestion cannot be supported.
    url = reverse("web:campaign_support", args=[first.pk])
    bob.post(url)
    bob.post(url)
    alice.post(url)
    assert Suggestion.objects.get(pk=first.pk).support_count == 1

    # Grouping: two topics, canteen and bus; near-duplicates marked.
    olga.post(reverse("web:campaign_topics", args=[campaign.pk]))
    groups = selectors.topic_groups(campaign)
    assert sorted(g.size for g in groups) == [2, 2]
    canteen = next(g for g in groups if "食堂" in g.label_terms)
    assert set(Suggestion.objects.filter(topic=canteen).values_list("title", flat=True)) == {
        IDEAS[0][0],
        IDEAS[1][0],
    }
    review = olga.get(reverse("web:campaign_review", args=[campaign.pk]), {"topic": canteen.pk})
    assert review.status_code == 200
    assert review.context["page"].paginator.count == 2

    # Review queue: search, sort, filters, CSV export.
    found = olga.get(
        reverse("web:campaign_review", args=[campaign.pk]), {"q": "公交", "sort": "support"}
    )
    assert found.context["page"].paginator.count == 2
    assert Client().get(reverse("web:campaign_review", args=[campaign.pk])).status_code == 302
    assert (
        _login(Client(), "bob").get(reverse("web:campaign_review", args=[campaign.pk])).status_code
        == 404
    )
    export = _download(olga, reverse("web:campaign_review_csv", args=[campaign.pk]))
    rows = list(csv.reader(io.StringIO(export)))
    assert rows[0][0] == "编号" and len(rows) == 5
    assert "13812345678" not in export

    # Adoption with a public response; the results page and its CSV show it.
    olga.post(
        reverse("web:campaign_adopt", args=[first.pk]), {"response": "已在区机关食堂推行小份菜。"}
    )
    assert Suggestion.objects.get(pk=first.pk).adopted
    results = Client().get(reverse("web:campaign_results", args=[campaign.pk]))
    text = results.content.decode()
    assert "已在区机关食堂推行小份菜。" in text
    assert "食堂" in text  # a topic label
    assert results.context["r"].received == 4
    assert results.context["r"].participants == 2
    data = _download(Client(), reverse("web:campaign_results_csv", args=[campaign.pk]))
    assert "已在区机关食堂推行小份菜。" in data


def test_closed_campaign_refuses_submissions(world: World, campaign: Campaign) -> None:
    alice = _login(Client(), "alice")
    with time_machine.travel(campaign.closes_at + timedelta(minutes=1)):
        response = _submit(alice, campaign, *IDEAS[0])
        assert response.status_code == 409  # type: ignore[attr-defined]
        assert "征集已结束" in response.content.decode()  # type: ignore[attr-defined]
        assert campaign in selectors.campaign_lists()["closed"]
    assert not Suggestion.objects.exists()


def test_rate_limit_per_user_per_campaign(
    world: World, campaign: Campaign, settings: object
) -> None:
    settings.LIUYANBAN = {**settings.LIUYANBAN, "SUGGESTIONS_PER_USER_PER_CAMPAIGN_PER_DAY": 1}  # type: ignore[attr-defined]
    alice = _login(Client(), "alice")
    assert _submit(alice, campaign, *IDEAS[0]).status_code == 302  # type: ignore[attr-defined]
    assert _submit(alice, campaign, *IDEAS[2]).status_code == 429  # type: ignore[attr-defined]


def test_rejected_suggestion_shows_reason_to_author_only(world: World, campaign: Campaign) -> None:
    alice = _login(Client(), "alice")
    _submit(alice, campaign, *IDEAS[0])
    s = Suggestion.objects.get()
    _login(Client(), "mona").post(
        reverse("web:campaign_moderate", args=[s.pk]),
        {"decision": "reject", "reason": "与主题无关"},
    )
    assert alice.get(reverse("web:campaign_suggestion", args=[s.pk])).status_code == 200
    assert (
        "与主题无关" in alice.get(reverse("web:campaign_suggestion", args=[s.pk])).content.decode()
    )
    assert Client().get(reverse("web:campaign_suggestion", args=[s.pk])).status_code == 404


def test_suggestion_becomes_a_message_linked_both_ways(world: World, campaign: Campaign) -> None:
    s = actions.submit_suggestion(
        author=world.alice,
        campaign_id=campaign.pk,
        draft=actions.SuggestionDraft(
            title="幸福路路口缺少红绿灯",
            body="幸福路与建设路路口没有红绿灯，学生上学过马路很危险，建议尽快安装。",
            answers={"q1": "学校"},
        ),
    )
    actions.publish_suggestion(actor=world.mona, suggestion_id=s.pk)
    olga = _login(Client(), "olga")
    olga.post(reverse("web:campaign_convert", args=[s.pk]), {"board": str(world.east_board.pk)})
    s.refresh_from_db()
    message = s.message
    assert message is not None
    assert message.author == world.alice
    assert message.board == world.east_board
    # olga is a clerk, not a moderator: the message waits in moderation.
    assert message.status == Status.SUBMITTED
    assert "学校" in message.body
    assert selectors.campaign_link_for_message(message) == s
    page = olga.get(reverse("web:campaign_suggestion", args=[s.pk])).content.decode()
    assert message.tracking_number in page
    # Not public yet: visitors see no link to a message they could not open.
    public = Client().get(reverse("web:campaign_suggestion", args=[s.pk])).content.decode()
    assert message.tracking_number not in public
    # A second conversion is refused.
    olga.post(reverse("web:campaign_convert", args=[s.pk]), {"board": str(world.east_board.pk)})
    assert Suggestion.objects.get(pk=s.pk).message_id == message.pk


def test_moderator_conversion_is_published_at_once(world: World, campaign: Campaign) -> None:
    s = actions.submit_suggestion(
        author=world.bob,
        campaign_id=campaign.pk,
        draft=actions.SuggestionDraft(
            title="东区菜市场排水沟堵塞",
            body="东区菜市场排水沟堵塞，下雨天污水横流。",
            answers={"q1": "居民"},
        ),
    )
    actions.publish_suggestion(actor=world.mona, suggestion_id=s.pk)
    # mona moderates but does not host: add her host rights through a leader role.
    from liuyanban.accounts.models import Role

    MembershipFactory.create(user=world.mona, organization=world.east, role=Role.CLERK)
    world.mona.__dict__.pop("_role_paths", None)
    message = actions.convert_to_message(
        actor=world.mona, suggestion_id=s.pk, board_id=world.east_board.pk
    )
    assert message.status == Status.PUBLISHED
    page = Client().get(reverse("web:campaign_suggestion", args=[s.pk])).content.decode()
    assert reverse("web:message", args=[message.tracking_number]) in page


def test_open_campaigns_and_list_page(world: World, campaign: Campaign) -> None:
    assert selectors.open_campaigns() == [campaign]
    page = Client().get(reverse("web:campaigns"))
    assert page.status_code == 200
    assert campaign.title in page.content.decode()
    assert "建言征集" in page.content.decode()


def test_bulk_publish_from_the_review_queue(world: World, campaign: Campaign) -> None:
    alice = _login(Client(), "alice")
    for title, body in IDEAS:
        _submit(alice, campaign, title, body)
    ids = [str(pk) for pk in Suggestion.objects.values_list("pk", flat=True)]
    # A clerk cannot publish; the moderator can, each with its own event.
    _login(Client(), "olga").post(
        reverse("web:campaign_bulk_publish", args=[campaign.pk]), {"ids": ids}
    )
    assert not Suggestion.objects.filter(status=SuggestionStatus.PUBLISHED).exists()
    mona = _login(Client(), "mona")
    mona.post(reverse("web:campaign_bulk_publish", args=[campaign.pk]), {"ids": ids})
    assert Suggestion.objects.filter(status=SuggestionStatus.PUBLISHED).count() == 4
    assert CampaignEvent.objects.filter(action="publish").count() == 4


def test_create_link_only_for_hosts(world: World) -> None:
    assert "发起征集" in _login(Client(), "olga").get(reverse("web:campaigns")).content.decode()
    assert "发起征集" not in _login(Client(), "uma").get(reverse("web:campaigns")).content.decode()
    assert _login(Client(), "uma").get(reverse("web:campaign_create")).status_code == 404


def test_near_duplicates_are_grouped_and_collapsible(world: World, campaign: Campaign) -> None:
    same = "建议机关食堂推行小份菜和半份菜，按需取餐，减少剩饭剩菜的浪费，倡导光盘行动。"
    for author, tail in [(world.alice, ""), (world.bob, "谢谢！"), (world.leo, "")]:
        s = actions.submit_suggestion(
            author=author,
            campaign_id=campaign.pk,
            draft=actions.SuggestionDraft(
                title="推行小份菜", body=same + tail, answers={"q1": "职工"}
            ),
        )
        actions.publish_suggestion(actor=world.mona, suggestion_id=s.pk)
    other = actions.submit_suggestion(
        author=world.alice,
        campaign_id=campaign.pk,
        draft=actions.SuggestionDraft(*IDEAS[2], answers={"q1": "职工"}),
    )
    actions.publish_suggestion(actor=world.mona, suggestion_id=other.pk)
    actions.refresh_topics(campaign_id=campaign.pk)
    groups = set(
        Suggestion.objects.exclude(similar_group=None).values_list("similar_group", flat=True)
    )
    assert len(groups) == 1
    assert Suggestion.objects.get(pk=other.pk).similar_group is None
    olga = _login(Client(), "olga")
    url = reverse("web:campaign_review", args=[campaign.pk])
    assert olga.get(url).context["page"].paginator.count == 4
    assert olga.get(url, {"collapse": "1"}).context["page"].paginator.count == 2
    assert olga.get(url, {"similar": str(groups.pop())}).context["page"].paginator.count == 3
    assert "相似建言 3 条" in olga.get(url).content.decode()


def test_host_edits_campaign_others_cannot(world: World, campaign: Campaign) -> None:
    url = reverse("web:campaign_edit", args=[campaign.pk])
    assert _login(Client(), "bob").get(url).status_code == 404
    olga = _login(Client(), "olga")
    form = olga.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if k not in ("domains", "opens_at", "closes_at")}
    data.update(
        title="反食品浪费金点子征集（延期）",
        opens_at=timezone.localtime(campaign.opens_at).strftime("%Y-%m-%dT%H:%M"),
        closes_at=timezone.localtime(campaign.closes_at + timedelta(days=7)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
    )
    assert olga.post(url, data).status_code == 302
    campaign.refresh_from_db()
    assert campaign.title == "反食品浪费金点子征集（延期）"
    assert campaign.questions[0]["required"] is True
    assert CampaignEvent.objects.filter(campaign=campaign, action="edit").count() == 1


@pytest.mark.parametrize(
    ("who", "adopt", "publish"),
    [
        ("olga", True, False),
        ("leo", True, False),
        ("mona", False, True),
        ("oscar", False, False),
        ("sam", False, False),
        ("bob", False, False),
    ],
)
def test_permission_matrix(
    world: World, campaign: Campaign, who: str, adopt: bool, publish: bool
) -> None:
    s = actions.submit_suggestion(
        author=world.alice,
        campaign_id=campaign.pk,
        draft=actions.SuggestionDraft(*IDEAS[0], answers={"q1": "职工"}),
    )
    client = _login(Client(), who)
    client.post(reverse("web:campaign_moderate", args=[s.pk]), {"decision": "publish"})
    s.refresh_from_db()
    assert (s.status == SuggestionStatus.PUBLISHED) is publish
    if not publish:
        actions.publish_suggestion(actor=world.mona, suggestion_id=s.pk)
    client.post(reverse("web:campaign_adopt", args=[s.pk]), {"response": "采纳，谢谢。"})
    assert Suggestion.objects.get(pk=s.pk).adopted is adopt


def test_anonymous_is_sent_to_login(world: World, campaign: Campaign) -> None:
    response = Client().post(reverse("web:campaign", args=[campaign.pk]), {"title": "x"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Suggestion.objects.exists()
