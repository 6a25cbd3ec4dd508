"""Campaigns through the REST API: create, submit, moderate, support, adopt, topics, results."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from liuyanban.campaigns import actions
from liuyanban.campaigns.models import Campaign, Suggestion
from liuyanban.testing.world import World

IDEAS = [
    ("食堂推行小份菜", "建议单位食堂推行小份菜和半份菜，按需取餐，减少剩饭剩菜的浪费。"),
    ("食堂提供半份菜", "希望机关食堂提供半份菜，吃多少打多少，杜绝剩菜浪费，倡导光盘行动。"),
    ("公交早高峰加密班次", "早高峰公交车太挤，建议加密班次，缩短发车间隔，方便上班族出行。"),
    ("增开早高峰公交", "上班时段公交车挤不上，请增开早高峰公交班次，缩短候车时间。"),
]


def _payload(i: int, **over: Any) -> dict[str, Any]:
    title, body = IDEAS[i]
    return {
        "title": title,
        "body": body,
        "answers": {"q1": "机关单位"},
        "region": "990101",
        "domain": "urban",
        **over,
    }


@pytest.fixture
def campaign(world: World) -> Campaign:
    now = timezone.now()
    return actions.create_campaign(
        actor=world.olga,
        data=actions.CampaignInput(
            host_id=world.east.pk,
            title="公共机构食堂反食品浪费等您支招",
            description="围绕机关食堂反对食品浪费，征集您的金点子。",
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=10),
            domain_ids=[world.draft().domain_id],
            questions=[
                {"key": "q1", "label": "您所在的单位类型", "required": True, "max_length": 50},
                {"key": "q2", "label": "您的其他想法", "required": False, "max_length": 500},
            ],
        ),
    )


def test_create_campaign(world: World, as_: Any) -> None:
    now = timezone.now()
    body = {
        "host": world.east.code,
        "title": "身边的急难愁盼问题征集",
        "description": "请告诉我们您身边最急最难的问题，我们逐条研究。",
        "kind": "urgent",
        "opens_at": (now + timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=30)).isoformat(),
        "domains": ["urban"],
        "questions": [{"key": "where", "label": "问题发生在哪里", "required": True}],
    }
    created = as_("olga").post("/campaigns", body)
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["phase"] == "upcoming" and data["host"]["code"] == world.east.code
    assert data["questions"][0] == {
        "key": "where",
        "label": "问题发生在哪里",
        "required": True,
        "max_length": 500,
    }
    assert [d["code"] for d in data["domains"]] == ["urban"]
    assert as_("alice").post("/campaigns", body).status_code == 403
    assert as_(None).post("/campaigns", body).status_code == 401
    bad = as_("olga").post(
        "/campaigns",
        {**body, "host": "nope", "closes_at": body["opens_at"], "domains": ["nope"]},
    )
    assert bad.status_code == 400
    assert {"host", "closes_at", "domains"} <= set(bad.json()["fields"])
    listed = as_(None).get("/campaigns", phase="upcoming").json()
    assert [c["id"] for c in listed] == [data["id"]]
    assert as_(None).get("/campaigns", phase="open").json() == []


def test_walk_from_submission_to_results(world: World, as_: Any, campaign: Campaign) -> None:
    anon, alice, bob, mona, olga = (as_(n) for n in (None, "alice", "bob", "mona", "olga"))
    cid = campaign.pk
    base = f"/campaigns/{cid}/suggestions"

    shown = anon.get(f"/campaigns/{cid}").json()
    assert shown["phase"] == "open" and shown["available_actions"] == []
    assert [q["key"] for q in shown["questions"]] == ["q1", "q2"]
    assert alice.get(f"/campaigns/{cid}").json()["available_actions"] == ["submit"]
    assert set(olga.get(f"/campaigns/{cid}").json()["available_actions"]) >= {"review", "adopt"}

    # Writing needs a person; the action's field errors come back by field.
    assert anon.post(base, _payload(0)).status_code == 401
    bad = alice.post(base, {"title": "小份菜", "body": "短", "answers": {}})
    assert bad.status_code == 400
    assert {"body", "answer_q1"} <= set(bad.json()["fields"])
    assert "内容至少需要 10 个字" in bad.json()["fields"]["body"][0]
    assert alice.post(base, _payload(0, domain="nope")).json()["fields"].keys() == {"domain"}

    first = alice.post(base, _payload(0, idempotency_key="k-1"))
    assert first.status_code == 201, first.content
    s1 = first.json()
    assert (
        s1["status"] == "submitted" and s1["original"]["answers"][0]["label"] == "您所在的单位类型"
    )
    assert s1["region"]["code"] == "990101" and s1["domain"]["code"] == "urban"
    again = alice.post(base, _payload(0, idempotency_key="k-1"))
    assert again.json()["id"] == s1["id"]
    ids = [s1["id"]] + [alice.post(base, _payload(i)).json()["id"] for i in (1,)]
    ids += [bob.post(base, _payload(i)).json()["id"] for i in (2, 3)]
    assert Suggestion.objects.filter(campaign=campaign).count() == 4

    # Not published yet: nobody else sees it.
    one = f"/campaigns/suggestions/{s1['id']}"
    assert anon.get(one).status_code == 404
    assert bob.get(one).status_code == 404
    assert anon.get(base).json()["items"] == []
    assert [s["id"] for s in alice.get(base, scope="mine").json()["items"]] == ids[1::-1]
    assert anon.get(base, scope="mine").status_code == 401

    # Review queue: the host's staff and moderators; others are told nothing.
    assert alice.get(base, scope="review").status_code == 404
    queue = olga.get(base, scope="review", sort="new").json()["items"]
    assert [s["id"] for s in queue] == ids[::-1] and queue[0]["original"] is not None
    assert mona.get(base, scope="review").json()["items"][0]["available_actions"] == [
        "publish",
        "reject",
    ]

    # Moderation: moderators over the host only.
    assert olga.post(one + "/publish").status_code == 403
    assert bob.post(one + "/publish").status_code == 404
    published = mona.post(one + "/publish", {"public_title": "食堂推行小份菜和半份菜"})
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    assert published.json()["suggestion"]["title"] == "食堂推行小份菜和半份菜"
    assert mona.post(one + "/publish").status_code == 409
    for sid in ids[2:]:
        assert mona.post(f"/campaigns/suggestions/{sid}/publish").status_code == 200
    rejected = mona.post(f"/campaigns/suggestions/{ids[1]}/reject", {"reason": "与主题无关"})
    assert rejected.json()["status"] == "rejected"
    mine = {s["id"]: s for s in alice.get(base, scope="mine").json()["items"]}
    assert mine[ids[1]]["reject_reason"] == "与主题无关"
    assert anon.get(one).json()["reject_reason"] is None
    assert anon.get(one).json()["original"] is None

    # Support: once per person, not one's own.
    assert anon.post(one + "/support").status_code == 401
    supported = bob.post(one + "/support")
    assert supported.status_code == 200
    assert supported.json()["suggestion"]["support_count"] == 1
    assert supported.json()["suggestion"]["supported"] is True
    assert "support" not in supported.json()["suggestion"]["available_actions"]
    again_support = bob.post(one + "/support")
    assert again_support.status_code == 409 and again_support.json()["code"]
    assert alice.post(one + "/support").status_code == 403
    assert as_("uma").post(one + "/support").status_code == 200

    # Public list, most supported first, by keyset pages.
    page = anon.get(base, sort="support", limit=2).json()
    assert page["items"][0]["id"] == s1["id"] and page["items"][0]["support_count"] == 2
    rest = anon.get(base, sort="support", limit=2, cursor=page["next_cursor"]).json()
    assert rest["next_cursor"] is None
    seen = [s["id"] for s in page["items"] + rest["items"]]
    assert sorted(seen) == sorted([ids[0], *ids[2:]])
    assert anon.get(base, sort="new", cursor=page["next_cursor"]).status_code == 400
    newest = anon.get(base, sort="new").json()["items"]
    assert [s["id"] for s in newest] == [ids[3], ids[2], ids[0]]

    # Adoption: the host's staff; a citizen is not told the action exists, a moderator may not.
    assert alice.post(one + "/adopt", {"response": "采纳"}).status_code == 404
    assert mona.post(one + "/adopt", {"response": "采纳"}).status_code == 403
    assert olga.post(one + "/adopt", {"response": "好"}).json()["fields"].keys() == {"response"}
    response = "采纳。自下月起机关食堂全面推行小份菜、半份菜。"
    adopted = olga.post(one + "/adopt", {"response": response})
    assert adopted.status_code == 200 and adopted.json()["suggestion"]["adopted"] is True
    assert anon.get(one).json()["response"] == response
    rejected_one = f"/campaigns/suggestions/{ids[1]}/adopt"
    assert olga.post(rejected_one, {"response": response}).status_code == 409

    # Topic groups and results are public.
    actions.refresh_topics(campaign_id=cid)
    topics = anon.get(f"/campaigns/{cid}/topics").json()
    assert topics and sum(t["size"] for t in topics) == 3 and topics[0]["terms"]
    results = anon.get(f"/campaigns/{cid}/results").json()
    assert (results["received"], results["published"], results["adopted_count"]) == (3, 3, 1)
    assert results["participants"] == 2
    assert sum(d["count"] for d in results["by_day"]) == 3
    assert results["by_region"] == [{"region": "东区", "participants": 2}]
    assert [a["id"] for a in results["adopted"]] == [s1["id"]]
    assert results["adopted"][0]["response"] == response
    assert len(results["topics"]) == len(topics)


def test_closed_campaign_refuses_submissions_and_supports(
    world: World, as_: Any, campaign: Campaign
) -> None:
    s = actions.submit_suggestion(
        author=world.alice,
        campaign_id=campaign.pk,
        draft=actions.SuggestionDraft(*IDEAS[0], answers={"q1": "职工"}),
    )
    actions.publish_suggestion(actor=world.mona, suggestion_id=s.pk)
    bob = as_("bob")
    with time_machine.travel(campaign.closes_at + timedelta(minutes=1)):
        late = bob.post(f"/campaigns/{campaign.pk}/suggestions", _payload(2))
        assert late.status_code == 409 and "征集已结束" in late.json()["message"]
        assert bob.post(f"/campaigns/suggestions/{s.pk}/support").status_code == 409
        shown = bob.get(f"/campaigns/{campaign.pk}").json()
        assert shown["phase"] == "closed" and "submit" not in shown["available_actions"]
        item = bob.get(f"/campaigns/suggestions/{s.pk}").json()
        assert item["available_actions"] == []
        assert [c["id"] for c in bob.get("/campaigns", phase="closed").json()] == [campaign.pk]


def test_missing_and_malformed(world: World, as_: Any, campaign: Campaign) -> None:
    anon = as_(None)
    assert anon.get("/campaigns/999999").status_code == 404
    assert anon.get("/campaigns/999999/results").status_code == 404
    assert anon.get("/campaigns/suggestions/999999").status_code == 404
    assert anon.get("/campaigns/abc").status_code == 400
    assert anon.get(f"/campaigns/{campaign.pk}/suggestions", cursor="x.y").status_code == 400
    bad_sort = anon.get(f"/campaigns/{campaign.pk}/suggestions", sort="oldest")
    assert bad_sort.status_code == 400 and "sort" in bad_sort.json()["fields"]
    assert as_("bob").post("/campaigns/suggestions/999999/support").status_code == 404
    too_many = {f"k{i}": "x" for i in range(11)}
    many = as_("bob").post(f"/campaigns/{campaign.pk}/suggestions", _payload(0, answers=too_many))
    assert many.status_code == 400 and "answers" in many.json()["fields"]
