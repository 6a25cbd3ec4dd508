"""Demo campaigns and a generator of realistic suggestions (also used by bench/campaign_bench.py).

Suggestions are composed from templates × topics × places × phrasings, so that a
large sample has real topic structure (and some near-duplicates) without copying
anyone's words.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from liuyanban.accounts.models import Membership, Role, User
from liuyanban.organizations.models import Organization
from liuyanban.taxonomy.models import Domain

from . import actions
from .models import Campaign, CampaignKind, Suggestion, SuggestionStatus

# (topic, title stems, problems, proposals)
FOOD_WASTE: list[tuple[str, list[str], list[str], list[str]]] = [
    (
        "小份菜",
        ["推行小份菜", "提供半份菜", "菜品分量可选"],
        ["一份菜分量太大，一个人吃不完只能倒掉", "菜量固定，饭量小的同事经常剩下一半"],
        ["建议推出小份菜、半份菜，按份计价", "希望窗口提供大中小三种分量供选择"],
    ),
    (
        "按需报餐",
        ["实行提前报餐", "按报餐人数备餐", "网上预约用餐"],
        ["食堂备餐全凭经验，人少的时候剩下很多", "节假日前后就餐人数变化大，饭菜做多了浪费"],
        ["建议通过手机提前一天报餐，按人数采购和备餐", "可以用小程序预约用餐，食堂据此定量"],
    ),
    (
        "光盘行动",
        ["开展光盘行动", "光盘打卡奖励", "宣传节约粮食"],
        ["部分职工节约意识不强，餐盘里剩饭剩菜不少", "光盘行动宣传多年，但坚持下来的人不多"],
        ["建议开展光盘打卡，连续光盘给予积分奖励", "在餐桌和回收台张贴节约标语，定期评选光盘之星"],
    ),
    (
        "剩菜打包",
        ["提供打包盒", "剩余饭菜打包带走", "晚餐剩菜低价售卖"],
        ["晚餐结束后剩下的饭菜直接倒掉太可惜", "想把没吃完的菜带回家，但食堂没有打包盒"],
        ["建议免费提供环保打包盒，鼓励职工打包", "可以在晚餐后半小时把剩余饭菜打折出售"],
    ),
    (
        "餐厨垃圾",
        ["餐厨垃圾称重公示", "厨余垃圾资源化", "剩饭剩菜称重"],
        ["每天倒掉的餐厨垃圾有好几桶，没人知道具体有多少", "厨余垃圾直接清运，没有资源化利用"],
        ["建议每天对剩饭剩菜称重并在门口公示", "厨余垃圾可以就地堆肥或交给有资质的企业处理"],
    ),
    (
        "采购管理",
        ["优化食材采购", "按周制定采购计划", "减少食材损耗"],
        ["食材采购量偏大，蔬菜放久了变质只能扔掉", "仓库管理粗放，过期的调料和干货不少"],
        ["建议按周制定采购计划，先进先出管理库存", "建立食材出入库台账，临期食材优先使用"],
    ),
    (
        "菜品口味",
        ["改进菜品口味", "征求职工口味意见", "调整菜谱"],
        ["有些菜做得不好吃，大家打了也吃不下去", "菜谱多年不变，不受欢迎的菜天天剩下"],
        ["建议定期征求意见，淘汰剩菜率高的菜品", "每月根据剩菜情况调整菜谱，多做受欢迎的菜"],
    ),
    (
        "公务用餐",
        ["简化会议用餐", "公务接待自助餐", "会议餐按人数定量"],
        ["会议用餐桌餐太丰盛，每桌都剩很多", "公务接待点菜过多，最后大半没动"],
        ["建议会议用餐改为自助餐或份餐", "公务接待按实际人数点菜，严格执行标准"],
    ),
]

URGENT: list[tuple[str, list[str], list[str], list[str]]] = [
    (
        "停车难",
        ["小区停车难", "老旧小区停车位不足", "夜间停车难"],
        ["晚上回家找不到车位，只能停在路边被贴罚单", "小区只有几十个车位，几百户居民抢着停"],
        ["建议利用周边空地建设立体停车场", "希望开放机关单位停车场夜间共享"],
    ),
    (
        "加装电梯",
        ["老楼加装电梯", "加装电梯审批", "电梯补贴"],
        ["住在六楼的老人腿脚不便，上下楼非常困难", "想加装电梯但审批手续复杂，邻居意见也难统一"],
        ["建议简化加装电梯审批流程，提高补贴标准", "希望街道牵头协调低层住户，推进电梯加装"],
    ),
    (
        "上学接送",
        ["学校门口接送拥堵", "放学时段交通拥堵", "校门口停车"],
        ["每天放学校门口堵得水泄不通，孩子过马路很危险", "接孩子的车辆乱停乱放，公交车都过不去"],
        ["建议设置临时停车接送区并安排交警疏导", "希望错峰放学，增加校车线路"],
    ),
    (
        "社区养老",
        ["社区老年食堂", "居家养老服务", "社区助餐点"],
        ["独居老人做饭不方便，经常凑合吃", "社区没有老年活动场所，老人没地方去"],
        ["建议在社区开设老年助餐点，给予用餐补贴", "希望建设社区养老服务站，提供上门服务"],
    ),
    (
        "看病难",
        ["医院挂号难", "专家号难挂", "社区医院服务"],
        ["大医院专家号一放出来就没了，老人不会网上预约", "社区医院药品不全，小病也得跑大医院"],
        ["建议保留现场挂号窗口，方便老年人就医", "希望社区医院配齐常用药，推行家庭医生签约"],
    ),
    (
        "充电桩",
        ["电动车充电难", "小区充电桩不足", "新能源车充电"],
        ["电动自行车只能拉线充电，存在火灾隐患", "小区没有充电桩，新能源车充电要跑很远"],
        ["建议在小区集中建设电动车充电棚", "希望推动小区公共车位安装充电桩"],
    ),
]

PLACES = [
    "东区机关食堂",
    "区政务中心食堂",
    "第一中学食堂",
    "人民医院职工食堂",
    "幸福路街道",
    "建设路社区",
    "阳光小区",
    "新华里小区",
    "滨江花园",
    "城北新村",
    "实验小学",
    "区图书馆",
    "税务局办公楼",
    "南门菜市场",
    "和平路",
    "光明新村",
    "东湖社区",
    "区人民医院",
    "工业园区",
    "老城区",
]
OPENERS = [
    "",
    "我是一名普通职工，",
    "作为附近居民，",
    "我在这里工作多年，",
    "说几点想法：",
    "我来支个招：",
    "看到征集活动，想说两句。",
    "本人退休教师，",
    "每天都在这里吃饭，",
    "和同事们讨论后，",
    "上周去办事时注意到，",
    "作为一名家长，",
]
# Details with numbers and times make most texts distinct, as real ones are. Each detail
# draws its own number from a range that makes sense for it (months of a problem, an hour
# of the day named by its part of the day).
DETAILS: list[tuple[str, tuple[int, int]]] = [
    ("据我观察，每天中午大约有{n}桶剩饭剩菜。", (2, 12)),
    ("这种情况已经持续{n}个月了。", (2, 11)),
    ("我问过身边{n}个同事，大家都有同感。", (3, 30)),
    ("尤其是每周{d}，情况最明显。", (0, 0)),
    ("{time}左右最突出。", (6, 21)),
    ("周边有{n}多户居民受影响。", (20, 300)),
    ("去年就有人提过，到现在还没改善。", (0, 0)),
    ("", (0, 0)),
    ("", (0, 0)),
]
DAY_PARTS = [(9, "早上"), (12, "上午"), (14, "中午"), (18, "下午"), (24, "晚上")]


def clock_words(hour: int) -> str:
    """An hour as people say it: 早上7点, 中午12点, 下午3点, 晚上8点."""
    part = next(name for end, name in DAY_PARTS if hour < end)
    shown = hour - 12 if hour > 12 else hour
    return f"{part}{shown}点"


def _detail(rng: random.Random) -> str:
    template, (low, high) = rng.choice(DETAILS)
    n = rng.randint(low, high) if high else 0
    time = clock_words(n) if "{time}" in template else ""
    return template.format(n=n, d=rng.choice(WEEKDAYS), time=time)


CLOSERS = [
    "",
    "谢谢！",
    "希望能够采纳。",
    "盼早日解决。",
    "以上建议供参考。",
    "期待相关部门重视。",
    "辛苦了！",
    "相信会越来越好。",
]
WEEKDAYS = ["一", "二", "三", "四", "五", "六", "日"]


@dataclass(frozen=True)
class GeneratedSuggestion:
    """One generated suggestion's words."""

    topic: str
    title: str
    body: str


def generate(
    n: int, *, kind: str = CampaignKind.SUGGESTION, seed: int = 0
) -> Iterator[GeneratedSuggestion]:
    """``n`` suggestions; roughly one in twenty repeats an earlier one with small edits."""
    rng = random.Random(seed)
    topics = FOOD_WASTE if kind == CampaignKind.SUGGESTION else URGENT
    # Topic sizes follow a long tail, as real campaigns do.
    weights = [1 / (i + 1) for i in range(len(topics))]
    earlier: list[GeneratedSuggestion] = []
    for _ in range(n):
        if earlier and rng.random() < 0.05:
            base = rng.choice(earlier)
            yield GeneratedSuggestion(base.topic, base.title, base.body + rng.choice(CLOSERS[1:]))
            continue
        topic, stems, problems, proposals = rng.choices(topics, weights)[0]
        place = rng.choice(PLACES)
        title = f"{place}{rng.choice(stems)}"[:50]
        detail = _detail(rng)
        # Some people add a second idea from another topic.
        extra = ""
        if rng.random() < 0.15:
            extra = f"另外，{rng.choice(rng.choice(topics)[3])}。"
        body = "".join(
            [
                rng.choice(OPENERS),
                f"{place}{rng.choice(problems)}。",
                detail,
                f"{rng.choice(proposals)}。",
                extra,
                rng.choice(CLOSERS),
            ]
        )
        item = GeneratedSuggestion(topic, title, body)
        if len(earlier) < 2000:
            earlier.append(item)
        yield item


def _host(world_or_org: Any) -> Organization:
    if isinstance(world_or_org, Organization):
        return world_or_org
    return world_or_org.east


def _staff(host: Organization, role: str) -> User:
    """A user holding ``role`` over the host (created when the demo has none)."""
    membership = (
        Membership.objects.filter(role=role, organization__path__in=_ancestors(host))
        .select_related("user")
        .first()
    )
    if membership is not None:
        return membership.user
    user = User.objects.create_user(username=f"demo-{role}-{host.pk}", nickname=f"演示{role}")
    Membership.objects.create(user=user, organization=host, role=role)
    return user


def _ancestors(org: Organization) -> list[str]:
    parts = [p for p in org.path.split("/") if p]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _fill(
    campaign: Campaign,
    authors: Sequence[User],
    count: int,
    moderator: User,
    host_staff: User,
    at: datetime,
    seed: int,
) -> None:
    """Submit, publish and partly adopt ``count`` generated suggestions, then group them."""
    rng = random.Random(seed)
    regions = list(campaign.host.region.children.all()) if campaign.host.region else []
    for i, item in enumerate(generate(count, kind=campaign.kind, seed=seed)):
        s = actions.submit_suggestion(
            author=authors[i % len(authors)],
            campaign_id=campaign.pk,
            draft=actions.SuggestionDraft(
                title=item.title,
                body=item.body,
                answers=_answers(campaign),
                region_id=rng.choice(regions).pk if regions else None,
            ),
            now=at + timedelta(hours=i * 3),
        )
        if rng.random() < 0.9:
            actions.publish_suggestion(actor=moderator, suggestion_id=s.pk)
    published = Suggestion.objects.filter(campaign=campaign, status=SuggestionStatus.PUBLISHED)
    for s in published.order_by("id")[:: max(1, count // 4)]:
        actions.adopt_suggestion(
            actor=host_staff,
            suggestion_id=s.pk,
            response=f"感谢您的建议。我们已将“{s.public_title}”纳入整改清单，将于下季度落实。",
        )
    actions.refresh_topics(campaign_id=campaign.pk)


def _answers(campaign: Campaign) -> dict[str, str]:
    return {q["key"]: "机关单位" for q in campaign.questions if q.get("required")}


def seed_demo_campaigns(
    world_or_org: Any, authors: Sequence[User], now: datetime | None = None
) -> list[Campaign]:
    """An open suggestion campaign and a closed urgent-concerns collection, with suggestions."""
    now = now or timezone.now()
    host = _host(world_or_org)
    clerk, moderator = _staff(host, Role.CLERK), _staff(host, Role.MODERATOR)
    domains = list(Domain.objects.filter(code__in=["civil_affairs", "government"]))
    specs = [
        (
            CampaignKind.SUGGESTION,
            "公共机构食堂反食品浪费等您支招",
            "机关、学校、医院食堂如何减少浪费？欢迎您从采购、备餐、就餐、回收各环节提出建议。",
            now - timedelta(days=5),
            now + timedelta(days=25),
            40,
        ),
        (
            CampaignKind.URGENT,
            "身边的急难愁盼问题征集",
            "停车、加装电梯、上学接送、养老、看病……请告诉我们您身边最急最难的事。",
            now - timedelta(days=60),
            now - timedelta(days=30),
            30,
        ),
    ]
    campaigns = []
    for i, (kind, title, description, opens, closes, count) in enumerate(specs):
        with transaction.atomic():
            campaign = actions.create_campaign(
                actor=clerk,
                data=actions.CampaignInput(
                    host_id=host.pk,
                    kind=kind,
                    title=title,
                    description=description,
                    opens_at=opens,
                    closes_at=now + timedelta(days=365),
                    domain_ids=[d.pk for d in domains],
                    questions=[
                        {"key": "q1", "label": "您的身份", "required": True, "max_length": 50}
                    ],
                ),
            )
            _fill(campaign, authors, count, moderator, clerk, opens, seed=i)
            # Close it at its real date only after the suggestions went in.
            Campaign.objects.filter(pk=campaign.pk).update(closes_at=closes)
            campaign.refresh_from_db()
        campaigns.append(campaign)
    return campaigns
