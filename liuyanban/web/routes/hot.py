"""URL routes of the hot-issue pages: public list and issue, staff feedback."""

from django.urls import URLPattern, path

from liuyanban.web.views import hot

urlpatterns: list[URLPattern] = [
    path("hot/", hot.issues, name="hot_issues"),
    path("hot/<int:pk>/", hot.issue, name="hot_issue"),
    path("hot/<int:pk>/feedback/", hot.issue_feedback, name="hot_issue_feedback"),
    path("work/hot/feedback/", hot.feedback_report, name="hot_feedback"),
]
