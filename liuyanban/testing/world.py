"""The named test world, built through real actions.

示范省 with two districts, 东区 and 西区. Each district has a government (the
office behind its head's board) and units. People:
  alice, bob      — citizens (alice writes; bob is "another citizen")
  mona            — platform moderator (at the root)
  olga / oscar    — office clerks of 东区 / 西区
  uma / ulf       — officers of 东区住建局 / 东区交通局
  wanda           — officer of 西区住建局 ("another unit")
  sam             — supervisor over the whole province
  leo             — leader, 东区区长 (owner of the east board)
  ann             — analyst of the province
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from liuyanban.accounts.models import Role, User
from liuyanban.lifecycle import actions
from liuyanban.lifecycle.actions import Contact, Draft
from liuyanban.lifecycle.models import Message, Resolution, Status
from liuyanban.lifecycle.search import index_message
from liuyanban.organizations.models import Board, BoardKind, Level, Organization, OrgKind, Region
from liuyanban.taxonomy.models import Domain, Kind

from .factories import (
    BoardFactory,
    MembershipFactory,
    OrganizationFactory,
    RegionFactory,
    UserFactory,
)


def _user(username: str, email: str) -> User:
    return UserFactory.create(username=username, email=email)


def _org(
    code: str,
    name: str,
    kind: str,
    level: str,
    parent: Organization | None,
    region: Region | None = None,
    name_en: str = "",
) -> Organization:
    return OrganizationFactory.create(
        code=code, name=name, kind=kind, level=level, parent=parent, region=region, name_en=name_en
    )


@dataclass
class World:
    """Handles to every object of the world, plus helpers to move messages along."""

    root: Organization
    province: Organization
    east: Organization
    west: Organization
    east_housing: Organization
    east_transport: Organization
    west_housing: Organization
    east_board: Board
    west_board: Board
    east_region: Region
    people: dict[str, User] = field(default_factory=dict)

    def __getattr__(self, name: str) -> User:
        people = self.__dict__.get("people", {})
        if name in people:
            return people[name]
        raise AttributeError(name)

    def draft(self, **overrides: object) -> Draft:
        """A valid draft to the east board; override any field."""
        values: dict[str, object] = {
            "board_id": self.east_board.pk,
            "domain_id": Domain.objects.get(code="urban").pk,
            "kind_id": Kind.objects.get(code="complaint").pk,
            "title": "东区幸福路路灯长期不亮",
            "body": "幸福路从一号到九号的路灯已经三个月不亮了，晚上出行很不安全，请尽快修复。我的电话13812345678。",
            "nickname": "热心市民",
            "contact": Contact(real_name="张三", phone="13812345678"),
        }
        values.update(overrides)
        return Draft(**values)  # type: ignore[arg-type]

    def submit(self, author: User | None = None, **overrides: Any) -> Message:
        return actions.submit_message(author=author or self.alice, draft=self.draft(**overrides))

    def message_in(self, status: str, *, review: bool = False, **overrides: Any) -> Message:
        """A message driven through real actions to ``status``."""
        m = self.submit(None, **overrides)
        if status == Status.SUBMITTED:
            return m
        if status == Status.REJECTED:
            return actions.reject_message(actor=self.mona, message_id=m.pk, reason="内容与职责无关")
        if status == Status.MERGED:
            target = self.message_in(Status.PUBLISHED, title="东区幸福路路灯不亮（原帖）")
            return actions.merge_message(actor=self.mona, message_id=m.pk, into_id=target.pk)
        actions.approve_message(actor=self.mona, message_id=m.pk)
        # What the worker does next from the approval's task (tests run no worker): the
        # search index. Other follow-up work stays queued, as before.
        index_message(m.pk)
        if status == Status.PUBLISHED:
            return _fresh(m)
        actions.accept_message(actor=self.olga, message_id=m.pk)
        if status == Status.ACCEPTED:
            return _fresh(m)
        actions.assign_message(
            actor=self.olga,
            message_id=m.pk,
            lead_id=self.east_housing.pk,
            requirements="核实后答复",
        )
        if status == Status.ASSIGNED:
            return _fresh(m)
        actions.sign_message(actor=self.uma, message_id=m.pk)
        if status == Status.IN_HANDLING:
            return _fresh(m)
        if review or status == Status.REVIEWING:
            Organization.objects.filter(pk=self.east.pk).update(review_before_publish=True)
        actions.reply_final(
            actor=self.uma,
            message_id=m.pk,
            body="经核实，幸福路路灯线路老化，已于本周更换线路并恢复照明。联系电话：0731-12345678。",
            resolution=Resolution.SOLVED,
        )
        if status == Status.REVIEWING:
            return _fresh(m)
        if review:
            actions.approve_reply(actor=self.olga, message_id=m.pk)
        if status == Status.REPLIED:
            return _fresh(m)
        actions.close_message(actor=self.olga, message_id=m.pk)
        assert status == Status.CLOSED, status
        return _fresh(m)


def _fresh(m: Message) -> Message:
    return Message.objects.select_related("board__organization", "office", "unit", "kind").get(
        pk=m.pk
    )


def ensure_defaults() -> None:
    """Re-create the data-migration defaults after a transactional test flushed them."""
    if Domain.objects.exists():
        return
    from importlib import import_module

    from django.apps import apps

    for module, func in [
        ("liuyanban.taxonomy.migrations.0002_default_taxonomy", "load"),
        ("liuyanban.organizations.migrations.0002_default_unit_templates", "load"),
        ("liuyanban.lifecycle.migrations.0002_event_append_only_and_defaults", "defaults"),
    ]:
        getattr(import_module(module), func)(apps, None)


def build_world() -> World:
    """Create the world's directory and people; messages are made by the tests."""
    ensure_defaults()
    r_prov = RegionFactory.create(
        code="990000", name="示范省", level=Level.PROVINCE, name_en="Shifan Province"
    )
    r_east = RegionFactory.create(
        code="990101", name="东区", level=Level.COUNTY, parent=r_prov, name_en="East District"
    )
    r_west = RegionFactory.create(
        code="990102", name="西区", level=Level.COUNTY, parent=r_prov, name_en="West District"
    )
    root = _org("CN", "中央", OrgKind.PLATFORM, Level.CENTRAL, None, name_en="Central Government")
    province = _org(
        "990000-zf",
        "示范省人民政府",
        OrgKind.GOVERNMENT,
        Level.PROVINCE,
        root,
        r_prov,
        name_en="People's Government of Shifan Province",
    )
    east = _org(
        "990101-zf",
        "东区人民政府",
        OrgKind.GOVERNMENT,
        Level.COUNTY,
        province,
        r_east,
        name_en="People's Government of East District",
    )
    west = _org(
        "990102-zf",
        "西区人民政府",
        OrgKind.GOVERNMENT,
        Level.COUNTY,
        province,
        r_west,
        name_en="People's Government of West District",
    )
    east_housing = _org(
        "990101-zf-zhujian",
        "东区住房和城乡建设局",
        OrgKind.DEPARTMENT,
        Level.COUNTY,
        east,
        r_east,
        name_en="East District Housing and Urban-Rural Development Bureau",
    )
    east_transport = _org(
        "990101-zf-jiaotong",
        "东区交通运输局",
        OrgKind.DEPARTMENT,
        Level.COUNTY,
        east,
        r_east,
        name_en="East District Transport Bureau",
    )
    west_housing = _org(
        "990102-zf-zhujian",
        "西区住房和城乡建设局",
        OrgKind.DEPARTMENT,
        Level.COUNTY,
        west,
        r_west,
        name_en="West District Housing and Urban-Rural Development Bureau",
    )
    east_board = BoardFactory.create(
        code="990101-head",
        name="东区区长",
        name_en="Head of East District",
        kind=BoardKind.LEADER,
        organization=east,
        leader_title="区长",
    )
    west_board = BoardFactory.create(
        code="990102-head",
        name="西区区长",
        name_en="Head of West District",
        kind=BoardKind.LEADER,
        organization=west,
        leader_title="区长",
    )
    world = World(
        root,
        province,
        east,
        west,
        east_housing,
        east_transport,
        west_housing,
        east_board,
        west_board,
        r_east,
    )
    roles: list[tuple[str, Organization | None, str | None]] = [
        ("alice", None, None),
        ("bob", None, None),
        ("mona", root, Role.MODERATOR),
        ("olga", east, Role.CLERK),
        ("oscar", west, Role.CLERK),
        ("uma", east_housing, Role.OFFICER),
        ("ulf", east_transport, Role.OFFICER),
        ("wanda", west_housing, Role.OFFICER),
        ("sam", province, Role.SUPERVISOR),
        ("leo", east, Role.LEADER),
        ("ann", province, Role.ANALYST),
    ]
    for name, org, role in roles:
        user = _user(name, email=f"{name}@example.org")
        world.people[name] = user
        if org is not None and role is not None:
            MembershipFactory.create(user=user, organization=org, role=role)
    Board.objects.filter(pk=east_board.pk).update(leader=world.people["leo"])
    east_board.refresh_from_db()
    return world


def today() -> date:
    from django.utils import timezone

    return timezone.localdate()
