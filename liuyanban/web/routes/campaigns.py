"""URL routes of the campaigns pages (建言征集, 急难愁盼问题征集)."""

from django.urls import URLPattern, path

from liuyanban.web.views import campaigns as v

urlpatterns: list[URLPattern] = [
    path("campaigns/", v.campaign_list, name="campaigns"),
    path("campaigns/new/", v.campaign_edit, name="campaign_create"),
    path("campaigns/<int:campaign_id>/", v.campaign_detail, name="campaign"),
    path("campaigns/<int:campaign_id>/edit/", v.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:campaign_id>/results/", v.results, name="campaign_results"),
    path("campaigns/<int:campaign_id>/results.csv", v.results_csv, name="campaign_results_csv"),
    path("campaigns/<int:campaign_id>/review/", v.review, name="campaign_review"),
    path("campaigns/<int:campaign_id>/review.csv", v.review_csv, name="campaign_review_csv"),
    path("campaigns/<int:campaign_id>/publish/", v.bulk_publish, name="campaign_bulk_publish"),
    path("campaigns/<int:campaign_id>/topics/", v.refresh_topics, name="campaign_topics"),
    path(
        "campaigns/suggestions/<int:suggestion_id>/",
        v.suggestion_detail,
        name="campaign_suggestion",
    ),
    path("campaigns/suggestions/<int:suggestion_id>/support/", v.support, name="campaign_support"),
    path(
        "campaigns/suggestions/<int:suggestion_id>/moderate/", v.moderate, name="campaign_moderate"
    ),
    path("campaigns/suggestions/<int:suggestion_id>/adopt/", v.adopt, name="campaign_adopt"),
    path("campaigns/suggestions/<int:suggestion_id>/convert/", v.convert, name="campaign_convert"),
]
