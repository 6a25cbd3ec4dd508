"""URL routes of the web's stats pages (owned by one area; see web/urls.py)."""

from django.urls import URLPattern, path

from liuyanban.web.views import stats

urlpatterns: list[URLPattern] = [
    path("stats/", stats.stats, name="stats"),
    path("stats/report/", stats.report, name="stats_report"),
    path("stats/report/<str:fmt>/", stats.report_download, name="stats_report_download"),
    path("stats/glossary/", stats.glossary, name="stats_glossary"),
    path("stats/dashboard/", stats.dashboard, name="stats_dashboard"),
]
