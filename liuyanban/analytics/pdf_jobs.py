"""PDF reports printed in the background, one Chromium at a time, cached until the data changes.

A request never starts a browser. ``request_pdf`` finds the report for this scope,
period and language at the current *data version* (the last event folded into the
rollups, and the index weights in force): ready → the file; queued or printing →
the same job for everyone; missing → one new job (the unique key makes concurrent
requests share it), throttled per address for anonymous callers. The task
``render_report_pdf`` prints (``pdf_printing.render``) under a lock that holds across
worker processes.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from liuyanban.core import jobs, ratelimit
from liuyanban.core.clientip import client_network
from liuyanban.core.locks import exclusive

from .models import Cursor, IndexWeights, PdfState, ReportPdf
from .tasks import render_report_pdf

logger = logging.getLogger(__name__)

# A failed print is tried again after this long (Chromium missing, a timeout).
RETRY_AFTER = timedelta(minutes=1)
# A job left RUNNING this long belongs to a dead worker and is started again.
STALE_RUNNING = timedelta(minutes=5)


def _limits() -> tuple[int, int]:
    """(new reports per address, window in seconds) for anonymous callers."""
    conf = settings.LIUYANBAN
    return int(conf.get("PDF_ANON_PER_WINDOW", 3)), int(conf.get("PDF_ANON_WINDOW", 600))


def data_version() -> str:
    """Changes whenever the figures can change: a folded event, new index weights."""
    cursor = Cursor.objects.filter(name="rollups").values_list("last_event_id", flat=True).first()
    weights = IndexWeights.objects.values_list("pk", flat=True).first()
    return f"{cursor or 0}.{weights or 0}"


def report_key(params: dict[str, str]) -> str:
    """The cache key of a report: its scope, period and language at the current data version."""
    raw = json.dumps({**params, "version": data_version()}, sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()


def _rule() -> ratelimit.Rule:
    """New anonymous reports per address, counted on the limiter shared by every process."""
    limit, window = _limits()
    return ratelimit.Rule(
        "report-pdf",
        limit=limit,
        window=window,
        message=gettext_lazy("生成 PDF 报告的请求过于频繁，请稍后再试，或登录后再下载。"),
    )


def _enqueue(pdf_id: int) -> None:
    """Queue the print in the transaction that created (or revived) the job: never lost."""
    jobs.record(render_report_pdf, pdf_id)


def request_pdf(
    *, params: dict[str, str], html: Callable[[], str], anonymous: bool, ip: str | None
) -> ReportPdf:
    """The report's PDF job: existing (shared by everyone) or new (throttled, queued once)."""
    key = report_key(params)
    existing = ReportPdf.objects.filter(key=key).first()
    if existing is not None:
        return _revive(existing)
    if not anonymous:
        return _create(key, params, html, anonymous=False, ip=ip)[0]
    # One address at a time: look again, then count only a print that will really start.
    with exclusive(f"liuyanban:pdf-request:{ip}", wait=10):
        existing = ReportPdf.objects.filter(key=key).first()
        if existing is not None:
            return _revive(existing)
        subject = client_network(ip) if ip else None
        ratelimit.take((_rule(), subject))
        job, created = _create(key, params, html, anonymous=True, ip=ip)
        if not created and subject is not None:
            # Another address asked for the same report at the same instant: this costs nothing.
            ratelimit.give_back(_rule(), subject)
        return job


def _create(
    key: str, params: dict[str, str], html: Callable[[], str], *, anonymous: bool, ip: str | None
) -> tuple[ReportPdf, bool]:
    try:
        with transaction.atomic():
            job = ReportPdf.objects.create(
                key=key, params=params, html=html(), requested_ip=ip, anonymous=anonymous
            )
            _enqueue(job.pk)
    except IntegrityError:
        # Someone asked for the same report at the same instant: share their job.
        return ReportPdf.objects.get(key=key), False
    job.refresh_from_db()
    return job, True


def _revive(job: ReportPdf) -> ReportPdf:
    """Queue a failed job again after a pause, and a job stuck with a dead worker."""
    now = timezone.now()
    failed = job.state == PdfState.FAILED and (job.finished_at or now) <= now - RETRY_AFTER
    started = job.started_at or job.created_at
    stuck = job.state == PdfState.RUNNING and started <= now - STALE_RUNNING
    if failed or stuck:
        with transaction.atomic():
            revived = ReportPdf.objects.filter(pk=job.pk, state=job.state).update(
                state=PdfState.PENDING, error=""
            )
            if revived:
                _enqueue(job.pk)
        job.refresh_from_db()
    return job
