"""Background work of the analytics app (Django tasks API)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from liuyanban.core.locks import LockBusy

from .pdf_printing import purge_old_pdfs, render
from .rollups import fold_pending

# While another report prints, a worker re-queues the job instead of waiting.
PDF_REQUEUE_SECONDS = 5


@task()
def fold_events() -> int:
    """Fold every event after the cursor into the rollups (idempotent); messages refreshed."""
    return fold_pending()


@task()
def render_report_pdf(pdf_id: int) -> str:
    """Print one PDF report with Chromium, never two at once on the whole platform."""
    backend = render_report_pdf.get_backend()
    if not backend.supports_defer:
        # Inline backends (tests, "immediate") wait their turn in place.
        return render(pdf_id, wait=120)
    try:
        return render(pdf_id, wait=0)
    except LockBusy:
        later = timezone.now() + timedelta(seconds=PDF_REQUEUE_SECONDS)
        render_report_pdf.using(run_after=later).enqueue(pdf_id)
        return "requeued"


@task()
def purge_report_pdfs() -> int:
    """Delete week-old printed reports (daily)."""
    return purge_old_pdfs()
