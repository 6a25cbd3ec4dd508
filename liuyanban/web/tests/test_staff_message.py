"""The staff message page and its action forms, through HTTP, one role at a time."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from liuyanban.lifecycle import actions
from liuyanban.lifecycle.models import (
    Assignment,
    Extension,
    Message,
    Reply,
    ReplyState,
    Resolution,
    Status,
)
from liuyanban.supervision.models import Instruction, SupervisionOrder
from liuyanban.testing.factories import OrganizationFactory
from liuyanban.testing.world import World

PERFUNCTORY = "您好，您的留言已收悉，我们将转有关部门处理。感谢您的关注。"
GOOD = (
    "经现场核实，东区幸福路一号至九号路灯因线路老化断电。我局已于6月3日安排施工队更换电缆120米，"
    "目前9盏路灯已全部恢复照明。根据《城市照明管理规定》第十二条，下一步将每月巡查一次，"
    "如再有问题请拨打0731-12345678联系城管科。"
)


def login(client: Client, name: str) -> Client:
    assert client.login(username=name, password=f"pw-{name}")
    return client


def page_of(client: Client, m: Message) -> str:
    response = client.get(reverse("web:work_message", args=[m.tracking_number]))
    assert response.status_code == 200
    return response.content.decode()


def post(client: Client, m: Message, action: str, data: Mapping[str, object] | None = None) -> str:
    url = reverse("web:work_act", args=[m.tracking_number, action])
    return client.post(url, data or {}, follow=True).content.decode()


def fresh(m: Message) -> Message:
    return Message.objects.get(pk=m.pk)


# --- moderation --------------------------------------------------------------


def test_moderator_sees_original_public_version_redactions_flags_contact(
    client: Client, world: World
) -> None:
    m = world.message_in(
        Status.SUBMITTED, body="幸福路的路灯坏了三个月，物业就是一群狗官。我的电话13812345678。"
    )
    page = page_of(login(client, "mona"), m)
    assert "原文（不公开）" in page and "公开版本" in page
    assert "<mark" in page and "13812345678" in page
    assert "手机号" in page
    assert "【已隐去手机号】" in page  # the suggested public version
    assert "狗官" in page and "侮辱谩骂" in page
    assert "张三" in page  # contact data, for staff
    assert "审核通过并公开" in page


def test_near_duplicates_are_suggested_and_merge_works(
    client: Client, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    # Signatures are stored by the intake analysis that runs after each submission commits.
    with django_capture_on_commit_callbacks(execute=True):
        original = world.message_in(Status.PUBLISHED)
        dup = world.message_in(Status.SUBMITTED)
    login(client, "mona")
    page = page_of(client, dup)
    assert "疑似重复留言" in page and original.tracking_number in page
    post(client, dup, "merge", {"into": original.tracking_number})
    assert fresh(dup).status == Status.MERGED
    assert fresh(dup).canonical_id == original.pk


def test_merge_into_unknown_number_rerenders_with_error(client: Client, world: World) -> None:
    m = world.message_in(Status.SUBMITTED)
    login(client, "mona")
    url = reverse("web:work_act", args=[m.tracking_number, "merge"])
    response = client.post(url, {"into": "NOPE"})
    assert response.status_code == 400
    assert "只能合并到已公开的留言" in response.content.decode()


def test_approve_with_edited_public_text(client: Client, world: World) -> None:
    m = world.message_in(Status.SUBMITTED)
    login(client, "mona")
    page = post(
        client,
        m,
        "approve",
        {"public_title": "幸福路路灯不亮", "public_body": "幸福路路灯三个月不亮，请修复。"},
    )
    assert "已审核通过并公开" in page
    m = fresh(m)
    assert m.status == Status.PUBLISHED and m.public_title == "幸福路路灯不亮"


def test_stale_double_approve_flashes_instead_of_failing(client: Client, world: World) -> None:
    m = world.message_in(Status.SUBMITTED)
    login(client, "mona")
    data = {"public_title": "幸福路路灯不亮", "public_body": "幸福路路灯三个月不亮。"}
    post(client, m, "approve", data)
    url = reverse("web:work_act", args=[m.tracking_number, "approve"])
    response = client.post(url, data)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "已被他人处理，请刷新" in page


def test_reject_needs_a_reason_and_takes_a_template(client: Client, world: World) -> None:
    m = world.message_in(Status.SUBMITTED)
    login(client, "mona")
    url = reverse("web:work_act", args=[m.tracking_number, "reject"])
    bad = client.post(url, {"reason": "", "template": ""})
    assert bad.status_code == 400 and "请填写或选择理由" in bad.content.decode()
    page = page_of(client, m)
    template = page.split('id="id_reject_template"')[1].split('<option value="')[2].split('"')[0]
    post(client, m, "reject", {"template": template})
    assert fresh(m).status == Status.REJECTED


# --- permissions -------------------------------------------------------------


def test_other_units_officer_gets_404(client: Client, world: World) -> None:
    m = world.message_in(Status.IN_HANDLING)
    login(client, "wanda")
    assert client.get(reverse("web:work_message", args=[m.tracking_number])).status_code == 404
    url = reverse("web:work_act", args=[m.tracking_number, "return"])
    assert client.post(url, {"reason": "不属于我单位职责"}).status_code == 404


def test_citizen_gets_404_on_staff_page(client: Client, world: World) -> None:
    m = world.message_in(Status.PUBLISHED)
    login(client, "bob")
    assert client.get(reverse("web:work_message", args=[m.tracking_number])).status_code == 404


def test_buttons_follow_available_actions(client: Client, world: World) -> None:
    m = world.message_in(Status.PUBLISHED)
    page = page_of(login(client, "olga"), m)
    accept = reverse("web:work_act", args=[m.tracking_number, "accept"])
    assert f'action="{accept}"' in page
    assert reverse("web:work_act", args=[m.tracking_number, "sign"]) not in page
    assert reverse("web:work_act", args=[m.tracking_number, "approve"]) not in page
    client.logout()
    page = page_of(login(client, "leo"), m)
    assert reverse("web:work_act", args=[m.tracking_number, "instruct"]) in page
    assert reverse("web:work_act", args=[m.tracking_number, "accept"]) not in page


def test_visible_but_not_permitted_action_is_403(client: Client, world: World) -> None:
    m = world.message_in(Status.ASSIGNED)
    login(client, "olga")  # the office sees it, but signing is the unit's
    url = reverse("web:work_act", args=[m.tracking_number, "sign"])
    assert client.post(url).status_code == 403


# --- the office --------------------------------------------------------------


def test_office_accepts_and_assigns_with_local_select(client: Client, world: World) -> None:
    m = world.message_in(Status.PUBLISHED)
    login(client, "olga")
    assert "已受理" in post(client, m, "accept")
    page = page_of(client, m)
    assert "按办理时限规则，期限为" in page
    assert "东区住房和城乡建设局" in page  # the no-JS select of local units
    due = timezone.localdate() + timedelta(days=3)
    post(
        client,
        m,
        "assign",
        {
            "lead": world.east_housing.pk,
            "assist_pick": [world.east_transport.pk],
            "requirements": "核实后答复",
            "due": due.isoformat(),
        },
    )
    m = fresh(m)
    assert m.status == Status.ASSIGNED and m.unit_id == world.east_housing.pk
    assert m.current_due == due
    assert Assignment.objects.filter(message=m, to_org=world.east_transport, role="assist").exists()


def test_due_later_than_rule_is_refused(client: Client, world: World) -> None:
    m = world.message_in(Status.ACCEPTED)
    login(client, "olga")
    url = reverse("web:work_act", args=[m.tracking_number, "assign"])
    late = (m.reply_due or timezone.localdate()) + timedelta(days=30)
    response = client.post(url, {"lead": world.east_housing.pk, "due": late.isoformat()})
    assert response.status_code == 400
    assert "办理期限不能晚于规定期限" in response.content.decode()
    assert fresh(m).status == Status.ACCEPTED


def test_route_needs_a_target(client: Client, world: World) -> None:
    m = world.message_in(Status.ACCEPTED)
    login(client, "olga")
    response = client.post(reverse("web:work_act", args=[m.tracking_number, "transfer"]), {})
    assert response.status_code == 400 and "请选择办理单位" in response.content.decode()


def test_office_transfers_to_a_picked_body(client: Client, world: World) -> None:
    m = world.message_in(Status.ACCEPTED)
    far = OrganizationFactory.create(name="示范省公安厅", level="province", parent=world.province)
    login(client, "olga")
    post(client, m, "transfer", {"lead_pick": far.pk, "requirements": "请依法处理"})
    m = fresh(m)
    assert m.status == Status.ASSIGNED and m.unit_id == far.pk


def test_office_reviews_reply_with_edit_and_sends_back(client: Client, world: World) -> None:
    m = world.message_in(Status.REVIEWING)
    login(client, "olga")
    page = page_of(client, m)
    assert "回复质量检查" in page  # the pending reply is scored for the reviewer
    post(client, m, "send_back_reply", {"comment": "请补充施工时间"})
    assert fresh(m).status == Status.IN_HANDLING
    assert Reply.objects.get(message=m).state == ReplyState.SENT_BACK

    m2 = world.message_in(Status.REVIEWING)
    post(client, m2, "approve_reply", {"public_body": "经核实，路灯线路已更换，照明已恢复正常。"})
    m2 = fresh(m2)
    assert m2.status == Status.REPLIED
    assert m2.replies.get(state=ReplyState.PUBLISHED).public_body.startswith("经核实，路灯线路")


def test_extension_request_and_decision(client: Client, world: World) -> None:
    m = world.message_in(Status.IN_HANDLING)
    login(client, "uma")
    post(client, m, "request_extension", {"reason": "需要协调供电部门", "working_days": 5})
    assert Extension.objects.filter(message=m, state="pending").exists()
    page = page_of(client, m)
    assert reverse("web:work_act", args=[m.tracking_number, "request_extension"]) not in page
    client.logout()
    login(client, "olga")
    old = fresh(m).current_due
    post(client, m, "decide_extension", {"approve": "1", "note": "同意"})
    assert fresh(m).current_due != old
    assert Extension.objects.get(message=m).state == "approved"


def test_follow_up_close_and_reopen(client: Client, world: World) -> None:
    m = world.message_in(Status.REPLIED)
    login(client, "olga")
    post(
        client,
        m,
        "follow_up",
        {
            "channel": "phone",
            "date": timezone.localdate().isoformat(),
            "summary": "群众表示问题未解决",
            "satisfied": "0",
        },
    )
    assert "群众表示问题未解决" in page_of(client, m)
    post(client, m, "reopen", {"reason": "回访不满意，重新办理"})
    assert fresh(m).status == Status.IN_HANDLING

    m2 = world.message_in(Status.REPLIED)
    post(client, m2, "close")
    assert fresh(m2).status == Status.CLOSED


# --- the unit ----------------------------------------------------------------


def test_unit_signs_and_returns_with_reason(client: Client, world: World) -> None:
    m = world.message_in(Status.ASSIGNED)
    login(client, "uma")
    assert "已签收" in post(client, m, "sign")
    assert fresh(m).status == Status.IN_HANDLING
    page = post(client, m, "return", {"reason": "该路段归交通局管理"})
    assert "已退回受理单位" in page
    assert fresh(m).status == Status.ACCEPTED
    client.logout()
    page = page_of(login(client, "olga"), m)
    assert "该路段归交通局管理" in page  # the chain shows the return reason


def test_perfunctory_reply_warns_and_needs_confirmation(client: Client, world: World) -> None:
    m = world.message_in(Status.IN_HANDLING)
    login(client, "uma")
    url = reverse("web:work_reply", args=[m.tracking_number])
    data = {"kind": "final", "body": PERFUNCTORY, "resolution": Resolution.SOLVED}
    page = client.post(url, data).content.decode()
    assert "这条回复可能是敷衍回复" in page
    assert "我已阅读提示，仍然提交此回复" in page
    assert fresh(m).status == Status.IN_HANDLING
    client.post(url, {**data, "confirm": "on"})
    assert fresh(m).status == Status.REPLIED


def test_good_reply_is_submitted_without_warning(client: Client, world: World) -> None:
    m = world.message_in(Status.IN_HANDLING)
    login(client, "uma")
    url = reverse("web:work_reply", args=[m.tracking_number])
    response = client.post(
        url, {"kind": "final", "body": GOOD, "resolution": Resolution.SOLVED}, follow=True
    )
    page = response.content.decode()
    assert "这条回复可能是敷衍回复" not in page
    assert "正式回复已提交" in page
    assert fresh(m).status == Status.REPLIED


def test_quality_check_button_htmx_and_plain(client: Client, world: World) -> None:
    m = world.message_in(Status.IN_HANDLING)
    login(client, "uma")
    quality_url = reverse("web:work_reply_quality", args=[m.tracking_number])
    part = client.post(quality_url, {"body": PERFUNCTORY}, HTTP_HX_REQUEST="true")
    assert "敷衍" in part.content.decode() and "<html" not in part.content.decode()
    good = client.post(quality_url, {"body": GOOD}).content.decode()
    assert "回复质量检查" in good and "敷衍" not in good
    # Without JavaScript the same button re-renders the page with the scores, sending nothing.
    url = reverse("web:work_reply", args=[m.tracking_number])
    page = client.post(
        url, {"kind": "final", "body": GOOD, "resolution": "solved", "check": "1"}
    ).content.decode()
    assert "相关性" in page and fresh(m).status == Status.IN_HANDLING


def test_interim_reply_and_missing_resolution(client: Client, world: World) -> None:
    m = world.message_in(Status.IN_HANDLING)
    login(client, "uma")
    url = reverse("web:work_reply", args=[m.tracking_number])
    bad = client.post(url, {"kind": "final", "body": GOOD})
    assert bad.status_code == 400 and "请选择办理结果" in bad.content.decode()
    client.post(url, {"kind": "interim", "body": "已安排人员现场查看，预计下周完成维修。"})
    assert fresh(m).status == Status.IN_HANDLING
    assert Reply.objects.filter(message=m, kind="interim").exists()


# --- supervision and leaders ---------------------------------------------------


def test_supervisor_orders_unit_responds_supervisor_sees(client: Client, world: World) -> None:
    m = world.message_in(Status.IN_HANDLING)
    login(client, "sam")
    due = (timezone.localdate() + timedelta(days=5)).isoformat()
    post(client, m, "supervise", {"level": "supervise", "note": "请加快办理", "response_due": due})
    order = SupervisionOrder.objects.get(message=m)
    client.logout()
    login(client, "uma")
    assert "请加快办理" in page_of(client, m)
    post(client, m, "respond_supervision", {"order": order.pk, "response": "已完成线路更换"})
    client.logout()
    page = login(client, "sam").get(reverse("web:work_supervision")).content.decode()
    assert "已完成线路更换" in page


def test_leader_instruction_travels_with_the_message(client: Client, world: World) -> None:
    m = world.message_in(Status.IN_HANDLING)
    login(client, "leo")
    post(client, m, "instruct", {"text": "请住建局一周内解决"})
    assert Instruction.objects.filter(message=m).exists()
    client.logout()
    assert "请住建局一周内解决" in page_of(login(client, "uma"), m)


def test_timeline_shows_staff_details(client: Client, world: World) -> None:
    m = world.message_in(Status.SUBMITTED)
    actions.reject_message(actor=world.mona, message_id=m.pk, reason="内容与职责无关")
    page = page_of(login(client, "mona"), m)
    assert "完整流程记录" in page and "内容与职责无关" in page


def test_reply_form_defaults_to_a_final_reply(client: Client, world: World) -> None:
    m = world.message_in(Status.IN_HANDLING)
    page = page_of(login(client, "uma"), m)
    assert 'value="final" required id="id_kind_0" checked' in page or (
        'value="final"' in page and "checked" in page.split('value="final"')[1][:60]
    )


def test_prediction_correction_and_routing_suggestions_on_the_staff_page(
    client: Client, world: World
) -> None:
    from liuyanban.intelligence.models import Prediction

    for _ in range(2):
        world.message_in(Status.ASSIGNED)  # history: street lights go to 住建
    m = world.message_in(Status.ACCEPTED)
    Prediction.objects.create(
        message=m, target="domain", code="transport", confidence=0.61, model_version="v-test"
    )
    login(client, "olga")
    page = page_of(client, m)
    # Staff read the domain's own name and a plain confidence; the model version is for the admin.
    assert "智能分类建议" in page and "交通" in page and "把握一般（61%）" in page
    assert "v-test" not in page and "transport（" not in page
    assert "智能推荐承办单位" in page and "东区住房和城乡建设局" in page
    response = client.post(
        reverse("web:work_classify", args=[m.tracking_number]), {"domain": "housing"}
    )
    assert response.status_code == 302
    p = Prediction.objects.get(message=m)
    assert p.confirmed_code == "housing" and p.confirmed_by == world.olga
    assert fresh(m).domain.code == "housing"
    login(client, "wanda")
    assert (
        client.post(
            reverse("web:work_classify", args=[m.tracking_number]), {"domain": "urban"}
        ).status_code
        == 404
    )


def test_timeline_names_the_author_by_public_nickname_never_login(
    client: Client, world: World
) -> None:
    m = world.message_in(Status.PUBLISHED)
    page = page_of(login(client, "olga"), m)
    assert m.author is not None and m.author_nickname
    assert m.author_nickname in page.split("完整流程记录")[1]
    assert (
        f"· {m.author.get_username()}<" not in page and f"· {m.author.get_username()} " not in page
    )


def test_lead_hint_stays_under_the_lead_field(client: Client, world: World) -> None:
    m = world.message_in(Status.ACCEPTED)
    page = page_of(login(client, "olga"), m)
    assert page.count("或从本单位下属单位中选择") == 1
    requirements = page.split('name="requirements"')[1].split("</div>")[0]
    assert "或从本单位下属单位中选择" not in requirements
