"""Views of the web interface: thin, they read through selectors and write through actions."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from liuyanban.analytics.selectors import site_figures
from liuyanban.campaigns.actions import CAMPAIGNS
from liuyanban.campaigns.selectors import open_campaigns
from liuyanban.intelligence.hot.selectors import active_issues
from liuyanban.intelligence.tasks import HOT_ISSUES
from liuyanban.lifecycle import stats_public
from liuyanban.lifecycle.versions import PUBLIC_LISTS
from liuyanban.organizations import selectors as org_selectors
from liuyanban.organizations.models import Organization
from liuyanban.web.pagecache import public_page


@public_page(lambda: (PUBLIC_LISTS, HOT_ISSUES, CAMPAIGNS))
def home(request: HttpRequest) -> HttpResponse:
    """The home page: latest answers, message figures and the directory's top level."""
    return render(
        request,
        "web/home.html",
        dict(
            provinces=org_selectors.top_level_governments(),
            counts=org_selectors.directory_counts(),
            figures=site_figures(),
            latest=stats_public.latest_answered(),
            campaigns=open_campaigns(limit=3),
            hot=list(active_issues()[:5]),
        ),
    )


def directory(request: HttpRequest) -> HttpResponse:
    """Browse the directory from the top, or find a body or board by name or pinyin."""
    query = request.GET.get("q", "").strip()[:50]
    return render(
        request,
        "web/directory.html",
        dict(
            query=query,
            central=org_selectors.central_body(),
            provinces=org_selectors.top_level_governments(),
            results=org_selectors.search_directory(query) if query else None,
        ),
    )


def organization_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One body: its boards, its units and the bodies below it."""
    org = get_object_or_404(Organization.objects.select_related("parent", "region"), code=code)
    return render(
        request,
        "web/organization.html",
        dict(org=org, **org_selectors.organization_page(org)),
    )
