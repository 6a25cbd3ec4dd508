"""URL routes of the staff workbench (/work/…)."""

from django.urls import URLPattern, path

from liuyanban.web.views import staff, staff_message, staff_suggestion, system

urlpatterns: list[URLPattern] = [
    path("work/", staff.workbench_home, name="workbench"),
    path("work/moderation/", staff.moderation, name="work_moderation"),
    path("work/moderation/approve/", staff.bulk_approve, name="work_bulk_approve"),
    path(
        "work/suggestions/<int:suggestion_id>/",
        staff_suggestion.moderate_suggestion,
        name="work_suggestion",
    ),
    path("work/office/", staff.office, name="work_office"),
    path("work/unit/", staff.unit, name="work_unit"),
    path("work/unit/sign/", staff.bulk_sign, name="work_bulk_sign"),
    path("work/supervision/", staff.supervision, name="work_supervision"),
    path("work/supervision/rounds/", staff.round_create, name="work_round_create"),
    path("work/supervision/rounds/<int:pk>/", staff.round_detail, name="work_round"),
    path("work/leader/", staff.leader, name="work_leader"),
    path("work/organizations/", staff.org_picker, name="work_org_picker"),
    path("work/system/", system.background_work, name="work_system"),
    path("work/messages/<str:tracking>/", staff_message.detail, name="work_message"),
    path("work/messages/<str:tracking>/reply/", staff_message.reply, name="work_reply"),
    path("work/messages/<str:tracking>/classify/", staff_message.classify, name="work_classify"),
    path(
        "work/messages/<str:tracking>/reply/quality/",
        staff_message.reply_quality,
        name="work_reply_quality",
    ),
    path(
        "work/messages/<str:tracking>/reply/quality/feedback/",
        staff_message.quality_feedback,
        name="work_quality_feedback",
    ),
    path("work/messages/<str:tracking>/<str:action>/", staff_message.act, name="work_act"),
]
