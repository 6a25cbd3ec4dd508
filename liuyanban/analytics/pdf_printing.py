"""The worker's side of PDF reports: print one queued job under the Chromium lock; purge.

``pdf_jobs`` (the request side) creates jobs and queues ``tasks.render_report_pdf``,
which calls ``render`` here; this module imports neither of them.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from liuyanban.core.locks import exclusive

from .models import PdfState, ReportPdf
from .pdf import PdfUnavailable, html_to_pdf

logger = logging.getLogger(__name__)

LOCK_NAME = "liuyanban:chromium"


def render(pdf_id: int, *, wait: float) -> str:
    """Print one queued report under the Chromium lock; returns the job's state afterwards.

    Raises ``LockBusy`` if another print holds the lock for ``wait`` seconds (the task
    then queues itself again rather than keeping a worker waiting).
    """
    with exclusive(LOCK_NAME, wait=wait):
        claimed = ReportPdf.objects.filter(pk=pdf_id, state=PdfState.PENDING).update(
            state=PdfState.RUNNING, started_at=timezone.now()
        )
        if not claimed:
            # Already printed (a duplicate task) or gone: nothing to do.
            state = ReportPdf.objects.filter(pk=pdf_id).values_list("state", flat=True).first()
            return str(state or "")
        html = ReportPdf.objects.values_list("html", flat=True).get(pk=pdf_id)
        try:
            content = html_to_pdf(html)
        except PdfUnavailable as exc:
            logger.warning("PDF report %s failed: %s", pdf_id, exc)
            ReportPdf.objects.filter(pk=pdf_id).update(
                state=PdfState.FAILED, error=str(exc)[:200], finished_at=timezone.now()
            )
            return PdfState.FAILED
        ReportPdf.objects.filter(pk=pdf_id).update(
            state=PdfState.READY, content=content, html="", finished_at=timezone.now()
        )
        return PdfState.READY


def purge_old_pdfs(*, older_than: timedelta = timedelta(days=7)) -> int:
    """Delete printed reports nobody can ask for any more (their data version has passed)."""
    deleted, _rows = ReportPdf.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
