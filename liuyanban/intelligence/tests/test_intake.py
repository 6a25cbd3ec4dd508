"""Intake intelligence through the real lifecycle: analysis after submission, duplicates,
routing suggestions, and staff corrections recorded as training data."""

from __future__ import annotations

from typing import Any

import pytest

from liuyanban.intelligence import actions as intel_actions
from liuyanban.intelligence import classification, duplicates, selectors
from liuyanban.intelligence.models import DuplicateLink, LinkState, MessageInsight, Prediction
from liuyanban.lifecycle import actions
from liuyanban.lifecycle.models import Event, Message, Status
from liuyanban.testing.world import World


def _fake_predict(title: str, body: str, target: str = "domain") -> classification.Guess:
    # A fake classifier: the unit tests check the plumbing, the evaluation tests the model.
    code = "transport" if target == "domain" else "complaint"
    return classification.Guess(code, 0.87, [(code, 0.87), ("urban", 0.1)], "fake-1")


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(classification, "predict", _fake_predict)


def _submit(world: World, capture: Any, **kw: Any) -> Message:
    with capture(execute=True):
        return world.submit(**kw)


def test_analysis_runs_after_submission_and_finds_personal_data(
    world: World, fake_model: None, django_capture_on_commit_callbacks: Any
) -> None:
    m = _submit(world, django_capture_on_commit_callbacks)
    insight = MessageInsight.objects.get(message=m)
    assert insight.error == ""
    kinds = {f["kind"] for f in insight.findings}
    assert "mobile" in kinds
    assert any("手机" in f["reason"] or "号" in f["reason"] for f in insight.findings)
    p = Prediction.objects.get(message=m, target="domain")
    assert (p.code, p.model_version) == ("transport", "fake-1")


def test_a_failing_model_never_loses_the_submission(
    world: World, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("model file corrupt")

    monkeypatch.setattr(classification, "predict", broken)
    m = _submit(world, django_capture_on_commit_callbacks)
    assert Message.objects.filter(pk=m.pk, status=Status.SUBMITTED).exists()
    assert "model file corrupt" in MessageInsight.objects.get(message=m).error


def test_near_duplicates_are_linked_and_merges_remembered(
    world: World, fake_model: None, django_capture_on_commit_callbacks: Any
) -> None:
    first = _submit(world, django_capture_on_commit_callbacks)
    actions.approve_message(actor=world.mona, message_id=first.pk)
    again = _submit(
        world,
        django_capture_on_commit_callbacks,
        author=world.bob,
        body="幸福路从一号到九号的路灯已经三个月不亮了，晚上出行很不安全，请尽快修复！",
    )
    link = DuplicateLink.objects.get(message=again)
    assert link.candidate == first and link.similarity >= 0.5
    hints = duplicates.similar_to_text("幸福路的路灯已经三个月不亮了，晚上出行很不安全，请尽快修复")
    assert [m for m, _s in hints] == [first]
    with django_capture_on_commit_callbacks(execute=True):
        actions.merge_message(actor=world.mona, message_id=again.pk, into_id=first.pk)
    link.refresh_from_db()
    assert link.state == LinkState.MERGED
    unrelated = _submit(
        world,
        django_capture_on_commit_callbacks,
        title="咨询实验小学入学政策",
        body="请问今年实验小学的入学需要哪些材料，户口不在本区可以报名吗？",
    )
    assert not DuplicateLink.objects.filter(message=unrelated).exists()


def test_staff_correction_changes_the_message_and_is_recorded(
    world: World, fake_model: None, django_capture_on_commit_callbacks: Any
) -> None:
    m = _submit(world, django_capture_on_commit_callbacks)
    intel_actions.confirm_classification(actor=world.mona, message_id=m.pk, domain_code="urban")
    m.refresh_from_db()
    assert m.domain.code == "urban"
    p = Prediction.objects.get(message=m, target="domain")
    assert p.confirmed_code == "urban" and p.corrected and p.confirmed_by == world.mona
    assert not Event.objects.filter(
        message=m, action="reclassify"
    ).exists()  # urban was already right
    intel_actions.confirm_classification(actor=world.mona, message_id=m.pk, domain_code="transport")
    assert Event.objects.filter(message=m, action="reclassify").get().details["domain"] == [
        "urban",
        "transport",
    ]


def test_routing_suggestions_learn_from_assignments_and_returns(world: World) -> None:
    for _ in range(3):
        m = world.message_in(Status.ASSIGNED)  # the world assigns street-light complaints to 住建
    suggestions = selectors.routing_suggestions(world.message_in(Status.ACCEPTED))
    assert suggestions[0]["unit"] == world.east_housing
    assert any("同领域" in r for r in suggestions[0]["reasons"])
    # Two returns by 住建 for this domain outweigh its history.
    selectors._models.clear()
    for _ in range(3):
        m = world.message_in(Status.ASSIGNED)
        actions.return_message(actor=world.uma, message_id=m.pk, reason="不属于本单位职责")
        actions.assign_message(actor=world.olga, message_id=m.pk, lead_id=world.east_transport.pk)
    selectors._models.clear()
    top = selectors.routing_suggestions(world.message_in(Status.ACCEPTED))[0]
    assert top["unit"] == world.east_transport
