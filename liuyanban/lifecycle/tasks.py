"""Background work of the lifecycle app (Django tasks API)."""

from __future__ import annotations

from django_tasks import task

from .drafts import purge_draft_images


@task()
def purge_stale_draft_images() -> int:
    """Delete images kept on the write page but never submitted (daily)."""
    return purge_draft_images()
