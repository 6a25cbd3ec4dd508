"""Reply quality on the review screen, staff marks on quality scores, the feedback report."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from liuyanban.intelligence.models import HotIssueFeedback, QualityFeedback
from liuyanban.lifecycle import actions
from liuyanban.lifecycle.models import Message, Resolution, Status
from liuyanban.organizations.models import Organization
from liuyanban.testing.world import World

PERFUNCTORY = "您好，您的留言已收悉，我们将转有关部门处理。感谢您的关注。"
GOOD = (
    "经现场核实，东区幸福路一号至九号路灯因线路老化断电。我局已于6月3日安排施工队更换电缆120米，"
    "目前9盏路灯已全部恢复照明。根据《城市照明管理规定》第十二条，下一步将每月巡查一次，"
    "如再有问题请拨打0731-12345678联系城管科。"
)
WARNING = "这条回复可能是敷衍回复"


def pending_reply(world: World, body: str) -> Message:
    """A message whose final reply waits for the office's review."""
    m = world.message_in(Status.IN_HANDLING)
    Organization.objects.filter(pk=world.east.pk).update(review_before_publish=True)
    actions.reply_final(actor=world.uma, message_id=m.pk, body=body, resolution=Resolution.SOLVED)
    return Message.objects.get(pk=m.pk)


def staff_page(client: Client, name: str, m: Message) -> str:
    assert client.login(username=name, password=f"pw-{name}")
    response = client.get(reverse("web:work_message", args=[m.tracking_number]))
    assert response.status_code == 200
    return response.content.decode()


def test_reviewing_clerk_is_warned_of_a_perfunctory_pending_reply(
    client: Client, world: World
) -> None:
    page = staff_page(client, "olga", pending_reply(world, PERFUNCTORY))
    assert "回复质量检查" in page and WARNING in page and "未说明调查核实情况" in page
    assert "评分不准？标记纠错" in page


def test_reviewing_clerk_sees_no_warning_for_a_good_pending_reply(
    client: Client, world: World
) -> None:
    page = staff_page(client, "olga", pending_reply(world, GOOD))
    assert "回复质量检查" in page and WARNING not in page


def test_clerk_marks_the_pending_reply_score_as_wrong(client: Client, world: World) -> None:
    m = pending_reply(world, PERFUNCTORY)
    staff_page(client, "olga", m)
    url = reverse("web:work_quality_feedback", args=[m.tracking_number])
    data = {"qf_target": "pending", "qf_verdict": "too_low", "qf_note": "该类咨询本就如此答复"}
    response = client.post(url, data)
    assert response.status_code == 302
    mark = QualityFeedback.objects.get()
    reply = m.replies.get()
    assert (mark.reply, mark.user, mark.verdict) == (reply, world.olga, "too_low")
    assert mark.scores["perfunctory"] is True and mark.scores["overall"] <= 0.3
    assert "未说明调查核实情况" in mark.scores["missing"]


def test_officer_marks_a_draft_score_and_keeps_the_draft(client: Client, world: World) -> None:
    m = world.message_in(Status.IN_HANDLING)
    assert client.login(username="uma", password="pw-uma")
    url = reverse("web:work_quality_feedback", args=[m.tracking_number])
    data = {"kind": "final", "body": GOOD, "resolution": "solved", "qf_verdict": "too_high"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert GOOD[:20] in response.content.decode()  # the editor shows the draft again
    mark = QualityFeedback.objects.get()
    assert mark.reply is None and mark.text == GOOD and mark.verdict == "too_high"
    # The editor's quality partial carries the marking buttons inside the reply form.
    part = client.post(reverse("web:work_reply_quality", args=[m.tracking_number]), {"body": GOOD})
    assert f'formaction="{url}"' in part.content.decode()


def test_quality_marks_refused_to_citizens_and_bad_verdicts(client: Client, world: World) -> None:
    m = pending_reply(world, PERFUNCTORY)
    url = reverse("web:work_quality_feedback", args=[m.tracking_number])
    assert client.login(username="alice", password="pw-alice")  # the author herself
    assert client.post(url, {"qf_target": "pending", "qf_verdict": "too_low"}).status_code == 404
    client.logout()
    assert client.login(username="olga", password="pw-olga")
    client.post(url, {"qf_target": "pending", "qf_verdict": "whatever"}, follow=True)
    assert not QualityFeedback.objects.exists()


def test_feedback_report_counts_marks(client: Client, world: World) -> None:
    from liuyanban.intelligence.actions import quality_scores
    from liuyanban.intelligence.models import HotIssue
    from liuyanban.intelligence.replyquality import score_reply

    m = pending_reply(world, PERFUNCTORY)
    quality = score_reply(m.title, m.body, PERFUNCTORY, None, None)
    for verdict in ("too_low", "too_low", "wrong_missing"):
        QualityFeedback.objects.create(
            message=m, scores=quality_scores(quality), user=world.olga, verdict=verdict
        )
    issue = HotIssue.objects.create(
        label="阳光花园小区",
        first_at=m.submitted_at,
        last_at=m.submitted_at,
        computed_at=m.submitted_at,
    )
    HotIssueFeedback.objects.create(
        issue=issue, user=world.sam, verdict="not_hot", snapshot={"label": "阳光花园小区"}
    )
    out = StringIO()
    call_command("intelligence_feedback_report", stdout=out)
    text = out.getvalue()
    assert "marks: 4" in text
    assert "reply_quality\ttoo_low\t2" in text and "reply_quality\twrong_missing\t1" in text
    assert "hot_issue\tnot_hot\t1" in text and "hot_issue\tnot_one_issue\t0" in text
    assert m.tracking_number in text and f"#{issue.pk}\tnot_hot\tsam" in text
    assert client.login(username="ann", password="pw-ann")
    page = client.get(reverse("web:hot_feedback")).content.decode()
    assert "纠错数量（共 4 条）" in page and m.tracking_number in page and "阳光花园小区" in page
