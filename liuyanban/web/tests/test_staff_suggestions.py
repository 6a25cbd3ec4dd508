"""Campaign suggestions are moderated where moderators work, and authors hear the outcome."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from liuyanban.campaigns import actions
from liuyanban.campaigns.models import Suggestion, SuggestionStatus
from liuyanban.notifications.models import Notification
from liuyanban.testing.campaigns import suggestion_in
from liuyanban.testing.world import World


def _suggestion(world: World, body: str = "") -> Suggestion:
    return suggestion_in(world, body=body)


def _login(client: Client, name: str) -> Client:
    assert client.login(username=name, password=f"pw-{name}")
    return client


def test_pending_suggestions_are_in_the_moderation_queue_with_the_redaction_view(
    client: Client, world: World
) -> None:
    s = _suggestion(world)
    queue = _login(client, "mona").get(reverse("web:work_moderation")).content.decode()
    section = queue.split('id="suggestions-h"')[1].split("</table>")[0]
    assert s.title in section and reverse("web:work_suggestion", args=[s.pk]) in section

    page = client.get(reverse("web:work_suggestion", args=[s.pk])).content.decode()
    assert "<mark" in page and "13812345678" in page.split("<mark")[1]  # highlighted, original
    assert "13812345678" not in s.public_body  # the public version is already redacted

    done = client.post(
        reverse("web:work_suggestion", args=[s.pk]),
        {"decision": "publish", "public_title": "建议食堂推行小份菜和半份菜", "public_body": ""},
    )
    assert done.status_code == 302
    s.refresh_from_db()
    assert s.status == SuggestionStatus.PUBLISHED and s.public_title == "建议食堂推行小份菜和半份菜"


def test_rejection_needs_a_reason_and_notifies_the_author(client: Client, world: World) -> None:
    s = _suggestion(world)
    _login(client, "mona")
    url = reverse("web:work_suggestion", args=[s.pk])
    empty = client.post(url, {"decision": "reject", "reason": ""})
    assert empty.status_code == 400 and "理由" in empty.content.decode()
    client.post(url, {"decision": "reject", "reason": "与本次征集主题无关"})
    s.refresh_from_db()
    assert s.status == SuggestionStatus.REJECTED
    note = Notification.objects.get(user=world.alice, verb="suggestion_rejected")
    assert "与本次征集主题无关" in note.text


def test_adoption_has_a_proper_form_and_notifies_the_author(client: Client, world: World) -> None:
    s = _suggestion(world, body="建议单位食堂推行小份菜和半份菜，按需取餐，减少浪费。")
    actions.publish_suggestion(actor=world.mona, suggestion_id=s.pk)
    _login(client, "olga")
    review = client.get(reverse("web:campaign_review", args=[s.campaign_id])).content.decode()
    assert 'name="response"' not in review  # no one-line input squeezed into a table cell
    page = client.get(reverse("web:campaign_suggestion", args=[s.pk])).content.decode()
    assert '<textarea id="response" name="response" rows="6"' in page
    client.post(
        reverse("web:campaign_adopt", args=[s.pk]),
        {"response": "已采纳：机关食堂自下月起全面推行小份菜，由后勤中心负责落实。"},
    )
    note = Notification.objects.get(user=world.alice, verb="suggestion_adopted")
    assert s.public_title in note.text


def test_only_the_campaigns_moderators_open_the_page(client: Client, world: World) -> None:
    s = _suggestion(world)
    for name in ("alice", "uma"):
        _login(client, name)
        assert client.get(reverse("web:work_suggestion", args=[s.pk])).status_code == 404
