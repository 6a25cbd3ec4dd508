"""The demo world: one province, its staff, citizens and a few hundred messages in every state.

Messages are driven through the real actions at past dates (``core.clock.frozen_at``), so
deadlines, escalations, ratings and the event log look like months of real work.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from liuyanban.accounts.models import Membership, Role, User
from liuyanban.core import clock
from liuyanban.core.errors import DomainError
from liuyanban.lifecycle import actions
from liuyanban.lifecycle.actions import Contact, Draft
from liuyanban.lifecycle.models import Message, Resolution, Status
from liuyanban.lifecycle.workdays import add_working_days
from liuyanban.organizations.loading import load_directory
from liuyanban.organizations.models import Board, Organization
from liuyanban.supervision import actions as supervision
from liuyanban.supervision.jobs import run_deadline_job
from liuyanban.taxonomy.models import Domain, Kind

from .generator import GeneratedMessage, generate_message, generate_reply

TZ = ZoneInfo("Asia/Shanghai")
PASSWORD = "demo-pass-2026"
PROVINCE = "43"

# (username, nickname, organisation code, role, description)
STAFF = [
    ("moderator", "审核员小周", "CN", Role.MODERATOR, "平台审核员"),
    ("hn-clerk", "省政府受理员", "430000-zf", Role.CLERK, "湖南省人民政府 受理"),
    ("cs-clerk", "长沙市受理员", "430100-zf", Role.CLERK, "长沙市人民政府 受理"),
    ("cs-party-clerk", "市委受理员", "430100-dw", Role.CLERK, "中共长沙市委 受理"),
    ("fr-clerk", "芙蓉区受理员", "430102-zf", Role.CLERK, "芙蓉区人民政府 受理"),
    (
        "cs-zhujian",
        "住建局办理员",
        "430100-zf-zhujian",
        Role.OFFICER,
        "长沙市住房和城乡建设局 办理",
    ),
    ("cs-jiaotong", "交通局办理员", "430100-zf-jiaotong", Role.OFFICER, "长沙市交通运输局 办理"),
    (
        "cs-shengtai",
        "生态环境局办理员",
        "430100-zf-shengtai",
        Role.OFFICER,
        "长沙市生态环境局 办理",
    ),
    ("cs-jiaoyu", "教育局办理员", "430100-zf-jiaoyu", Role.OFFICER, "长沙市教育局 办理"),
    (
        "cs-renshe",
        "人社局办理员",
        "430100-zf-renshe",
        Role.OFFICER,
        "长沙市人力资源和社会保障局 办理",
    ),
    (
        "fr-zhujian",
        "芙蓉区住建局办理员",
        "430102-zf-zhujian",
        Role.OFFICER,
        "芙蓉区住房和城乡建设局 办理",
    ),
    ("supervisor", "督查室", "430000-zf", Role.SUPERVISOR, "湖南省人民政府 督查"),
    ("mayor", "长沙市市长", "430100-zf", Role.LEADER, "长沙市市长（领导）"),
    ("analyst", "数据分析员", "430000-zf", Role.ANALYST, "湖南省 数据分析"),
]
BOARDS = ["430100-zz", "430100-sj", "430102-zz", "430000-zz"]
CITIZENS = [
    "小李",
    "王阿姨",
    "热心市民",
    "老张",
    "长沙居民",
    "小陈",
    "刘先生",
    "赵女士",
    "一位家长",
    "上班族",
    "退休教师",
    "个体户老周",
]


@dataclass
class DemoReport:
    """What the seeder did, for the console."""

    messages: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str]] = field(default_factory=list)


def already_seeded() -> bool:
    return User.objects.filter(username="moderator").exists()


def _user(username: str, nickname: str, *, email: str = "", superuser: bool = False) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        # Explicit: the field's default is bound to the system clock, not core.clock.
        defaults={"nickname": nickname, "email": email, "date_joined": timezone.now()},
    )
    if created:
        user.set_password(PASSWORD)
        user.is_superuser = user.is_staff = superuser
        user.save()
    return user


def _people() -> tuple[dict[str, User], list[User]]:
    staff = {"admin": _user("admin", "平台管理员", superuser=True)}
    for username, nickname, code, role, _desc in STAFF:
        user = _user(username, nickname, email=f"{username}@demo.invalid")
        org = Organization.objects.get(code=code)
        Membership.objects.get_or_create(user=user, organization=org, role=role)
        staff[username] = user
    Board.objects.filter(code="430100-zz").update(leader=staff["mayor"], leader_name="（示例）")
    citizens = [
        _user(f"citizen{i + 1}", name, email=f"citizen{i + 1}@demo.invalid")
        for i, name in enumerate(CITIZENS)
    ]
    return staff, citizens


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, random.randint(0, 59)), tzinfo=TZ)


class Story:
    """Moves one message through its life at past dates; stops at the wanted status."""

    def __init__(
        self,
        rng: random.Random,
        staff: dict[str, User],
        board: Board,
        start: date,
        now: datetime | None = None,
    ):
        self.rng = rng
        self.staff = staff
        self.board = board
        self.day = start
        self.hour = 9
        # Nothing the story does may be dated after the moment the demo is built.
        self.limit = (now or timezone.now()) - timedelta(minutes=30)
        self.last: datetime | None = None

    def step(self, fn: Callable[[], object], *, days: int = 0, workdays: int = 0) -> None:
        """Advance the clock, then act inside the travelled time (never past ``now``)."""
        if workdays:
            self.day = add_working_days(self.day, workdays)
        self.day += timedelta(days=days)
        self.hour = 9 + (self.hour - 8) % 9
        when = _at(self.day, self.hour)
        if when > self.limit:
            # A story that would run into the future finishes in the last half hour, in order.
            when = self.limit if self.last is None else max(self.limit, self.last)
            when += timedelta(seconds=30)
        self.last = when
        with clock.frozen_at(when):
            fn()


def _unit_for(office: Organization, domain: Domain) -> Organization:
    """The office's unit for ``domain``; a party committee routes to its region's government units."""
    if not office.children.filter(kind="department").exists():
        office = Organization.objects.get(region=office.region, kind="government")
    departments = office.children.filter(kind="department", is_active=True)
    return (
        departments.filter(domains=domain).first() or departments.order_by("code").first() or office
    )


def _clerk(staff: dict[str, User], office: Organization) -> User:
    by_office = {
        "430000-zf": "hn-clerk",
        "430100-zf": "cs-clerk",
        "430100-dw": "cs-party-clerk",
        "430102-zf": "fr-clerk",
    }
    return staff[by_office.get(office.code, "cs-clerk")]


def _officer_for(unit: Organization) -> User:
    member = (
        Membership.objects.filter(organization=unit, role=Role.OFFICER)
        .select_related("user")
        .first()
    )
    if member is None:
        # Give every unit that receives demo work an officer account.
        user = _user(
            f"officer-{unit.code}", f"{unit.name}办理员", email=f"officer-{unit.pk}@demo.invalid"
        )
        Membership.objects.create(user=user, organization=unit, role=Role.OFFICER)
        return user
    return member.user


TARGETS = (
    [Status.SUBMITTED] * 12
    + [Status.REJECTED] * 6
    + [Status.PUBLISHED] * 10
    + [Status.MERGED] * 4
    + [Status.ACCEPTED] * 10
    + [Status.ASSIGNED] * 14
    + [Status.IN_HANDLING] * 30
    + [Status.REVIEWING] * 4
    + [Status.REPLIED] * 40
    + [Status.CLOSED] * 150
)
ORDER: list[str] = [
    Status.SUBMITTED,
    Status.PUBLISHED,
    Status.ACCEPTED,
    Status.ASSIGNED,
    Status.IN_HANDLING,
    Status.REVIEWING,
    Status.REPLIED,
    Status.CLOSED,
]


def _play(
    story: Story, author: User, gen: GeneratedMessage, target: str, canonical: list[Message]
) -> Message:
    rng, staff = story.rng, story.staff
    holder: dict[str, Message] = {}
    draft = Draft(
        board_id=story.board.pk,
        domain_id=Domain.objects.get(code=gen.domain).pk,
        kind_id=Kind.objects.get(code=gen.kind).pk,
        title=gen.title,
        body=gen.body,
        location=gen.location,
        nickname=author.nickname,
        contact=Contact(real_name="（示例）", phone=f"1380000{rng.randrange(10000):04d}"),
    )
    story.step(lambda: holder.update(m=actions.submit_message(author=author, draft=draft)))
    m = holder["m"]
    if target == Status.SUBMITTED:
        return m
    if target == Status.REJECTED:
        story.step(
            lambda: actions.reject_message(
                actor=staff["moderator"],
                message_id=m.pk,
                reason="内容与留言对象职责无关，建议向有关部门反映",
            ),
            days=1,
        )
        return m
    if target == Status.MERGED:
        if canonical:
            story.step(
                lambda: actions.merge_message(
                    actor=staff["moderator"], message_id=m.pk, into_id=rng.choice(canonical).pk
                ),
                days=1,
            )
        return m
    story.step(
        lambda: actions.approve_message(actor=staff["moderator"], message_id=m.pk),
        days=rng.choice([0, 1]),
    )
    if ORDER.index(target) <= ORDER.index(Status.PUBLISHED):
        return m
    office = story.board.organization
    clerk = _clerk(staff, office)
    story.step(
        lambda: actions.accept_message(actor=clerk, message_id=m.pk), workdays=rng.choice([1, 1, 2])
    )
    if target == Status.ACCEPTED:
        return m
    unit = _unit_for(office, draft_domain(draft))
    officer = _officer_for(unit)
    returned = rng.random() < 0.08
    if returned:
        wrong = office.children.exclude(pk=unit.pk).filter(kind="department").first() or unit
        story.step(
            lambda: actions.assign_message(
                actor=clerk, message_id=m.pk, lead_id=wrong.pk, requirements="请核实后答复"
            )
        )
        story.step(
            lambda: actions.return_message(
                actor=_officer_for(wrong),
                message_id=m.pk,
                reason="不属于本单位职责范围，请重新分派",
            ),
            workdays=1,
        )
    story.step(
        lambda: actions.assign_message(
            actor=clerk, message_id=m.pk, lead_id=unit.pk, requirements="请认真核实，按时限答复"
        )
    )
    if target == Status.ASSIGNED:
        return m
    story.step(lambda: actions.sign_message(actor=officer, message_id=m.pk), workdays=1)
    if rng.random() < 0.1:
        story.step(
            lambda: actions.request_extension(
                actor=officer, message_id=m.pk, reason="涉及多个部门，需要会商", working_days=5
            ),
            workdays=3,
        )
        story.step(
            lambda: actions.decide_extension(
                actor=clerk, message_id=m.pk, approve=True, note="同意"
            ),
            workdays=1,
        )
    if rng.random() < 0.3:
        story.step(
            lambda: actions.reply_interim(
                actor=officer,
                message_id=m.pk,
                body="您反映的问题已收悉，我单位正在组织现场核查，将尽快正式答复。",
            ),
            workdays=2,
        )
    if target == Status.IN_HANDLING:
        return m
    late = rng.random() < 0.15
    perfunctory = rng.random() < 0.05
    story.step(
        lambda: actions.reply_final(
            actor=officer,
            message_id=m.pk,
            body=generate_reply(rng, gen, unit.name, perfunctory=perfunctory),
            resolution=_resolution(rng, gen, perfunctory=perfunctory),
        ),
        workdays=rng.randint(17, 22) if late else rng.randint(2, 12),
    )
    if Message.objects.get(pk=m.pk).status == Status.REVIEWING:
        if target == Status.REVIEWING:
            return m
        story.step(lambda: actions.approve_reply(actor=clerk, message_id=m.pk), workdays=1)
    elif target == Status.REVIEWING:
        return m
    if target == Status.REPLIED:
        return m
    solved = rng.choices([5, 4, 3, 2, 1], weights=[40, 30, 12, 10, 8])[0]
    story.step(
        lambda: actions.evaluate_message(
            actor=author,
            message_id=m.pk,
            solved=solved,
            attitude=min(5, solved + rng.randint(0, 1)),
            speed=max(1, solved - rng.randint(0, 1)),
            comment="" if solved >= 3 else "问题没有真正解决",
        ),
        days=rng.randint(1, 6),
    )
    if solved <= 2 and rng.random() < 0.6:
        story.step(
            lambda: actions.reopen_message(
                actor=clerk, message_id=m.pk, reason="群众评价不满意，发回重办"
            ),
            workdays=1,
        )
        story.step(
            lambda: actions.reply_final(
                actor=officer,
                message_id=m.pk,
                body=generate_reply(rng, gen, unit.name),
                resolution=Resolution.SOLVED,
            ),
            workdays=rng.randint(3, 8),
        )
        if Message.objects.get(pk=m.pk).status == Status.REVIEWING:
            story.step(lambda: actions.approve_reply(actor=clerk, message_id=m.pk), workdays=1)
    if Message.objects.get(pk=m.pk).status == Status.REPLIED:
        story.step(
            lambda: actions.record_follow_up(
                actor=clerk,
                message_id=m.pk,
                channel="phone",
                date_=timezone.localdate(),
                summary="电话回访，群众对办理结果表示认可",
                satisfied=True,
            ),
            workdays=2,
        )
    return m


def _resolution(rng: random.Random, gen: GeneratedMessage, *, perfunctory: bool) -> str:
    """How the reply ends: questions, suggestions and thanks are answered, not solved."""
    if perfunctory or gen.kind in ("question", "suggestion", "thanks"):
        return Resolution.EXPLAINED
    return rng.choice([Resolution.SOLVED] * 5 + [Resolution.PARTLY])


def draft_domain(draft: Draft) -> Domain:
    return Domain.objects.get(pk=draft.domain_id)


def _supervise(staff: dict[str, User], today: date) -> None:
    """A round of supervision on the oldest open messages, and a leader's instructions."""
    open_ones = Message.objects.filter(status__in=[Status.ASSIGNED, Status.IN_HANDLING]).order_by(
        "current_due"
    )[:6]
    round_ = supervision.create_round(
        actor=staff["supervisor"],
        organization=Organization.objects.get(code="430000-zf"),
        name="2026年度群众留言办理重点督查",
        kind="key",
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=60),
    )
    for i, m in enumerate(open_ones):
        try:
            supervision.issue_supervision(
                actor=staff["supervisor"],
                message_id=m.pk,
                level=["reminder", "supervise", "key"][i % 3],
                note="请加快办理进度，按时答复群众",
                response_due=today + timedelta(days=7),
                round_id=round_.pk,
            )
        except DomainError:
            continue
    for m in Message.objects.filter(board__code="430100-zz", status=Status.IN_HANDLING)[:3]:
        supervision.give_instruction(
            actor=staff["mayor"],
            message_id=m.pk,
            text="请有关部门高度重视，尽快解决群众反映的问题。",
        )


def seed(seed_value: int = 20261127, count: int = len(TARGETS)) -> DemoReport:
    """Build the demo world once; later calls only report."""
    report = DemoReport()
    if already_seeded():
        return report
    rng = random.Random(seed_value)
    random.seed(seed_value)
    # The whole national directory (中央 and 31 provinces, ~20 s); the stories stay in 湖南.
    load_directory()
    Organization.objects.filter(code="430102-zf").update(review_before_publish=True)
    with transaction.atomic():
        staff, citizens = _people()
    boards = list(Board.objects.filter(code__in=BOARDS))
    today = timezone.localdate()
    # Every status at least once, then a random share of the usual mix.
    distinct = list(dict.fromkeys(TARGETS))
    targets = distinct + rng.sample(TARGETS, k=max(0, min(count, len(TARGETS)) - len(distinct)))
    canonical: list[Message] = []
    # Finished stories first, so that duplicates can be merged into them.
    for target in sorted(targets, key=lambda t: ORDER.index(t) if t in ORDER else 0, reverse=True):
        # Older messages have travelled further; open ones are recent.
        age = (
            rng.randint(60, 540)
            if target in (Status.CLOSED, Status.REPLIED)
            else rng.randint(2, 40)
        )
        # Replies wait for review only where the office requires it (芙蓉区).
        board = (
            next(b for b in boards if b.code == "430102-zz")
            if target == Status.REVIEWING
            else rng.choice(boards)
        )
        story = Story(rng, staff, board, today - timedelta(days=age))
        gen = generate_message(rng, city="长沙市")
        with transaction.atomic():
            m = _play(story, rng.choice(citizens), gen, target, canonical)
        m.refresh_from_db()
        if m.status in (Status.CLOSED, Status.REPLIED) and len(canonical) < 20:
            canonical.append(m)
        report.messages[m.status] = report.messages.get(m.status, 0) + 1
    _supervise(staff, today)
    run_deadline_job(today)
    _campaigns(citizens)
    _insights()
    return report


def _campaigns(citizens: list[User]) -> None:
    """An open suggestion campaign and a closed urgent-concerns collection with results."""
    from liuyanban.campaigns.demo import seed_demo_campaigns

    seed_demo_campaigns(Organization.objects.get(code="430100-zf"), citizens, timezone.now())


def _insights() -> None:
    """The search index, hot issues and the analytics rollups over everything the stories
    produced (their tasks were not run: ``seed_demo`` seeds with a dummy task backend)."""
    from django.core.management import call_command

    from liuyanban.intelligence.duplicates import index_missing
    from liuyanban.intelligence.hot.store import rebuild
    from liuyanban.lifecycle.search import resegment

    for _rows_and_last in resegment():
        pass
    for _done in index_missing():
        pass
    rebuild(days=540)
    call_command("rebuild_rollups", verbosity=0)


def logins() -> list[tuple[str, str]]:
    """The demo accounts and what each can do."""
    rows = [("admin", "平台管理员（/admin/）")]
    rows += [(u, d) for u, _n, _c, _r, d in STAFF]
    rows += [("citizen1", "市民（可写留言、评价）")]
    return rows
