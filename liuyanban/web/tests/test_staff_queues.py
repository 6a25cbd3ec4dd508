"""Staff workbench queues through HTTP: who sees which queue, counts, bulk actions, deadlines."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from liuyanban.lifecycle.models import Message, Status
from liuyanban.lifecycle.workdays import subtract_working_days
from liuyanban.testing.world import World


def login(client: Client, name: str) -> Client:
    assert client.login(username=name, password=f"pw-{name}")
    return client


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def test_workbench_lists_the_queues_of_each_role(client: Client, world: World) -> None:
    world.message_in(Status.SUBMITTED)
    page = text(login(client, "mona").get(reverse("web:workbench")))
    assert "审核队列" in page
    assert "受理工作台" not in page

    client.logout()
    page = text(login(client, "olga").get(reverse("web:workbench")))
    assert "受理工作台" in page and "审核队列" not in page


def test_workbench_is_in_the_nav_for_staff_only(client: Client, world: World) -> None:
    assert "工作台" in text(login(client, "uma").get("/"))
    client.logout()
    login(client, "alice")
    assert "工作台" not in text(client.get("/"))
    assert client.get(reverse("web:workbench")).status_code == 403


def test_anonymous_is_sent_to_login(client: Client, world: World) -> None:
    response = client.get(reverse("web:work_moderation"))
    assert response.status_code == 302
    assert "/accounts/login" in response["Location"]


def test_moderation_queue_oldest_first_and_not_for_clerks(client: Client, world: World) -> None:
    first = world.message_in(Status.SUBMITTED, title="第一条留言测试标题")
    second = world.message_in(Status.SUBMITTED, title="第二条留言测试标题")
    page = text(login(client, "mona").get(reverse("web:work_moderation")))
    assert page.index(first.title) < page.index(second.title)
    client.logout()
    assert login(client, "olga").get(reverse("web:work_moderation")).status_code == 403


def test_bulk_approve_publishes_each_and_reports_failures(client: Client, world: World) -> None:
    a = world.message_in(Status.SUBMITTED)
    b = world.message_in(Status.SUBMITTED)
    gone = world.message_in(Status.PUBLISHED)
    login(client, "mona")
    response = client.post(
        reverse("web:work_bulk_approve"), {"ids": [a.pk, b.pk, gone.pk]}, follow=True
    )
    page = text(response)
    assert "已审核通过 2 条留言" in page
    assert "已被他人处理" in page
    assert Message.objects.get(pk=a.pk).status == Status.PUBLISHED
    assert Message.objects.get(pk=b.pk).status == Status.PUBLISHED


def test_bulk_approve_with_nothing_ticked(client: Client, world: World) -> None:
    login(client, "mona")
    page = text(client.post(reverse("web:work_bulk_approve"), {}, follow=True))
    assert "请先勾选留言" in page


def test_office_inbox_sections(client: Client, world: World) -> None:
    published = world.message_in(Status.PUBLISHED, title="待受理的路灯留言")
    reviewing = world.message_in(Status.REVIEWING, title="待审核回复的留言")
    page = text(login(client, "olga").get(reverse("web:work_office")))
    assert "待受理" in page and published.title in page
    assert "待审核回复" in page and reviewing.title in page
    client.logout()
    assert published.title not in text(login(client, "oscar").get(reverse("web:work_office")))


def test_unit_inbox_and_bulk_sign(client: Client, world: World) -> None:
    a = world.message_in(Status.ASSIGNED)
    b = world.message_in(Status.ASSIGNED)
    login(client, "uma")
    page = text(client.get(reverse("web:work_unit")))
    assert "待签收" in page and a.tracking_number in page
    response = client.post(reverse("web:work_bulk_sign"), {"ids": [a.pk, b.pk]}, follow=True)
    assert "已签收 2 条留言" in text(response)
    assert set(Message.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {
        Status.IN_HANDLING
    }


def test_other_unit_cannot_bulk_sign(client: Client, world: World) -> None:
    a = world.message_in(Status.ASSIGNED)
    login(client, "wanda")
    page = text(client.post(reverse("web:work_bulk_sign"), {"ids": [a.pk]}, follow=True))
    assert "已不在队列中" in page
    assert Message.objects.get(pk=a.pk).status == Status.ASSIGNED


# A fixed working Wednesday: "N working days overdue" depends on whether today is one.
@time_machine.travel(datetime(2025, 9, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
def test_deadline_label_has_text_and_colour(client: Client, world: World) -> None:
    m = world.message_in(Status.ASSIGNED)
    login(client, "uma")
    page = text(client.get(reverse("web:work_unit")))
    assert "dl-ok" in page or "dl-warning" in page
    assert "个工作日" in page
    # Six working days past the deadline: a yellow notice, labelled in words too.
    late = subtract_working_days(timezone.localdate(), 6)
    Message.objects.filter(pk=m.pk).update(current_due=late)
    page = text(client.get(reverse("web:work_unit")))
    assert 'class="dl dl-yellow"' in page
    assert "黄牌督办 · 超期 6 个工作日" in page


def test_supervision_board_counts_overdue(client: Client, world: World) -> None:
    m = world.message_in(Status.IN_HANDLING)
    Message.objects.filter(pk=m.pk).update(current_due=timezone.localdate() - timedelta(days=30))
    login(client, "sam")
    page = text(client.get(reverse("web:work_supervision")))
    assert "红牌督办" in page
    assert m.tracking_number in page
    client.logout()
    assert login(client, "uma").get(reverse("web:work_supervision")).status_code == 403


def test_supervision_round_create_and_progress(client: Client, world: World) -> None:
    login(client, "sam")
    today = timezone.localdate()
    bad = client.post(
        reverse("web:work_round_create"),
        {
            "name": "年度督查",
            "kind": "annual",
            "organization": world.province.pk,
            "starts_on": today.isoformat(),
            "ends_on": (today - timedelta(days=1)).isoformat(),
        },
    )
    assert bad.status_code == 400
    assert "结束日期不能早于开始日期" in text(bad)
    response = client.post(
        reverse("web:work_round_create"),
        {
            "name": "年度督查",
            "kind": "annual",
            "organization": world.province.pk,
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=60)).isoformat(),
        },
        follow=True,
    )
    page = text(response)
    assert "年度督查" in page and "0 / 0" in page


def test_leader_sees_their_board(client: Client, world: World) -> None:
    m = world.message_in(Status.ACCEPTED, title="领导关注的路灯问题")
    page = text(login(client, "leo").get(reverse("web:work_leader")))
    assert m.title in page


@pytest.mark.parametrize("name", ["alice", "uma", "mona"])
def test_org_picker_only_for_clerks(client: Client, world: World, name: str) -> None:
    response = login(client, name).get(reverse("web:work_org_picker"), {"q": "住房"})
    assert response.status_code == 403


def test_org_picker_searches_name_pinyin_and_code(client: Client, world: World) -> None:
    login(client, "olga")
    page = text(client.get(reverse("web:work_org_picker"), {"q": "住房", "field": "lead"}))
    assert "东区住房和城乡建设局" in page and 'name="lead_pick"' in page
    page = text(client.get(reverse("web:work_org_picker"), {"q": "990101-zf-j", "field": "assist"}))
    assert "东区交通运输局" in page and 'name="assist_pick"' in page


def test_workbench_links_the_staff_dashboard(client: Client, world: World) -> None:
    login(client, "olga")
    page = text(client.get(reverse("web:workbench")))
    assert reverse("web:stats_dashboard") in page
    assert client.get(reverse("web:stats_dashboard")).status_code == 200


def test_office_lists_a_message_under_one_job_only(client: Client, world: World) -> None:
    published = world.message_in(Status.PUBLISHED, title="只在待受理里出现的留言")
    accepted = world.message_in(Status.ACCEPTED, title="已受理等待交办的留言")
    page = text(login(client, "olga").get(reverse("web:work_office")))
    to_accept, to_route = page.split('id="s-route"')[0], page.split('id="s-route"')[1]
    assert published.title in to_accept and published.title not in to_route
    assert accepted.title in to_route.split("</section>")[0]
