"""Statistics pages: the public statistics, reports with downloads, the glossary, dashboards.

Thin: the figures come from ``liuyanban.analytics`` (rollups only); this module
parses the scope and period from the query string and picks the output format.
"""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from liuyanban.analytics import exports, pdf_jobs, reports
from liuyanban.analytics.index import current_weights, ranking
from liuyanban.analytics.models import Grain, PdfState
from liuyanban.analytics.report_types import Report, index_table
from liuyanban.analytics.selectors import (
    DEFINITIONS,
    Period,
    Scope,
    dashboard_organizations,
    rows,
    summary,
)
from liuyanban.core import tabular
from liuyanban.core.clientip import client_ip
from liuyanban.core.error_pages import handles_domain_errors
from liuyanban.core.errors import InvalidInput, NotAuthenticated, NotFound, NotPermitted
from liuyanban.intelligence.hot.selectors import active_issues
from liuyanban.organizations.models import Board, Organization, Region
from liuyanban.taxonomy.models import Domain
from liuyanban.web.pagecache import public_page
from liuyanban.web.views.public import is_htmx

# The statistics page names no event version: it follows the rollups, which fold in the
# background, so its page is kept at most REPORT_MAX_AGE seconds.
STATS = "stats"

MAX_YEARS = 10
M = TypeVar("M", bound=Model)


def _scope(request: HttpRequest) -> Scope:
    """The scope named by codes in the query string (an unknown code is a 404)."""
    return Scope(
        region=_by_code(request, "region", Region.objects.all()),
        office=_by_code(request, "office", Organization.objects.all()),
        board=_by_code(request, "board", Board.objects.all()),
        unit=_by_code(request, "unit", Organization.objects.all()),
        domain=_by_code(request, "domain", Domain.objects.filter(level=1)),
    )


def _by_code(request: HttpRequest, name: str, qs: QuerySet[M]) -> M | None:
    code = request.GET.get(name, "").strip()
    if not code:
        return None
    obj = qs.filter(code=code).first()
    if obj is None:
        raise NotFound()
    return obj


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(fields={field: [_("日期格式应为 YYYY-MM-DD")]}) from None


def _period(request: HttpRequest) -> Period:
    """``start``/``end`` dates, or a ``year``; the current year by default."""
    start, end = request.GET.get("start", ""), request.GET.get("end", "")
    if start and end:
        period = Period(_date(start, "start"), _date(end, "end"))
        if period.end < period.start or period.end.year - period.start.year >= MAX_YEARS:
            raise InvalidInput(fields={"end": [_("统计期不正确")]})
        return period
    year = request.GET.get("year", "")
    if year.isdigit() and 2000 <= int(year) <= 2100:
        return Period.year(int(year))
    return Period.year(timezone.localdate().year)


def _context(request: HttpRequest, report: Report) -> dict[str, object]:
    params = {**report.scope.params(), "start": report.period.start, "end": report.period.end}
    return {
        "report": report,
        "chart_data": report.chart_data(),
        "query": "&".join(f"{k}={v}" for k, v in params.items()),
        "tables": report.tables(),
        "domains": Domain.objects.filter(level=1),
        "regions": Region.objects.filter(level__in=["province", "prefecture"]).order_by("code")[
            :500
        ],
        "this_year": timezone.localdate().year,
    }


@public_page(lambda: (STATS,), max_age=reports.REPORT_MAX_AGE)
@handles_domain_errors
def stats(request: HttpRequest) -> HttpResponse:
    """The public statistics page: the whole platform for one year."""
    report = reports.current(Scope(), _period(request))
    context = _context(request, report)
    # The hot-issue ranking sits beside the figures (intelligence keeps it; analytics shows it).
    context["hot"] = list(active_issues()[:10])
    return render(request, "web/stats/index.html", context)


def _report_html(request: HttpRequest) -> tuple[Report, str]:
    report = reports.current(_scope(request), _period(request))
    return report, render_to_string("web/stats/report.html", _context(request, report), request)


@handles_domain_errors
def report(request: HttpRequest) -> HttpResponse:
    """A report for any scope and period, with links to its PDF, CSV and XLSX."""
    return HttpResponse(_report_html(request)[1])


def _attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _anonymous_copy(request: HttpRequest) -> HttpRequest:
    """The same GET as a stranger would send it: a shared PDF holds nobody's name or token."""
    anon = HttpRequest()
    anon.method = "GET"
    anon.path = anon.path_info = request.path
    anon.GET = request.GET.copy()
    anon.META = {
        key: request.META[key] for key in ("SERVER_NAME", "SERVER_PORT") if key in request.META
    }
    anon.user = AnonymousUser()
    anon.LANGUAGE_CODE = get_language()
    return anon


def _pdf(request: HttpRequest) -> HttpResponse:
    """The PDF: the file when printed, else "being prepared" with a poll (htmx) until it is."""
    scope, period = _scope(request), _period(request)
    params = {
        **scope.params(),
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "lang": get_language(),
    }
    job = pdf_jobs.request_pdf(
        params=params,
        html=lambda: _report_html(_anonymous_copy(request))[1],
        anonymous=not request.user.is_authenticated,
        ip=client_ip(request),
    )
    if job.state == PdfState.READY and not is_htmx(request):
        return _attachment(bytes(job.content or b""), "application/pdf", "report.pdf")
    context = {"job": job, "url": request.get_full_path(), "scope": scope, "period": period}
    if is_htmx(request):
        response = render(request, "web/stats/_pdf_status.html", context)
    else:
        status = 503 if job.state == PdfState.FAILED else 202
        response = render(request, "web/stats/pdf.html", context, status=status)
    # The answer changes as the job runs: never from a cache.
    response["Cache-Control"] = "no-store"
    return response


@handles_domain_errors
def report_download(request: HttpRequest, fmt: str) -> HttpResponse:
    """The report as PDF (printed in the background from the report page), or tables as CSV/XLSX."""
    if fmt == "pdf":
        return _pdf(request)
    built = reports.current(_scope(request), _period(request))
    tables = built.tables()
    if fmt == "xlsx":
        return _attachment(exports.to_xlsx(tables), tabular.XLSX_MIME, "report.xlsx")
    if fmt == "csv":
        key = request.GET.get("table", "kpis")
        table = next((t for t in tables if t.key == key), None)
        if table is None:
            raise NotFound()
        return _attachment(exports.to_csv(table), tabular.CSV_MIME, f"{key}.csv")
    raise NotFound()


def glossary(request: HttpRequest) -> HttpResponse:
    """Every figure's definition, and the handling index's formula."""
    terms = [(key, str(label), str(text)) for key, (label, text) in DEFINITIONS.items()]
    return render(
        request, "web/stats/glossary.html", {"terms": terms, "weights": current_weights()}
    )


@handles_domain_errors
def dashboard(request: HttpRequest) -> HttpResponse:
    """Staff dashboard: this year's KPIs for each organisation the user works for."""
    if not request.user.is_authenticated:
        raise NotAuthenticated()
    orgs = dashboard_organizations(request.user)
    if not orgs:
        raise NotPermitted()
    period = _period(request)
    panels = [
        (
            org,
            summary(Scope(office=org), period),
            index_table(ranking(rows(Scope(office=org), period, Grain.OFFICE), limit=20)),
        )
        for org in orgs
    ]
    return render(request, "web/stats/dashboard.html", {"panels": panels, "period": period})
