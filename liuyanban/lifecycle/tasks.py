"""Background work of the lifecycle app (Django tasks API)."""

from __future__ import annotations

from django_tasks import task

from .drafts import purge_draft_images
from .search import index_message


@task()
def purge_stale_draft_images() -> int:
    """Delete images kept on the write page but never submitted (daily)."""
    return purge_draft_images()


@task()
def index_for_search(message_id: int) -> bool:
    """Segment a message's public text for search, after approval or a public edit.

    Recorded in the transaction of the change (``core.jobs``), so the index never misses
    a published text; jieba's segmentation stays out of the moderator's request.
    """
    return index_message(message_id)
