"""Images kept between the write page's preview and its submission (the draft store).

A browser cannot keep a chosen file across a page load, so the first POST that
carries images re-encodes them (``attachments.check_uploads``: no metadata, bounded)
and keeps them here under random tokens, visible to their owner only. Submitting
turns the tokens back into uploads for ``submit_message``.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liuyanban.accounts.models import User
from liuyanban.core.errors import InvalidInput, NotFound

from .attachments import MAX_FILES, Upload, check_uploads
from .models import DraftImage

KEEP_FOR = timedelta(days=1)


def keep_draft_images(*, owner: User, uploads: list[Upload], already: int = 0) -> list[DraftImage]:
    """Re-encode and keep ``uploads`` for ``owner``; ``already`` counts images kept before."""
    if already + len(uploads) > MAX_FILES:
        raise InvalidInput(fields={"attachments": [_("最多上传 %d 张图片") % MAX_FILES]})
    checked = check_uploads(uploads)
    kept = []
    with transaction.atomic():
        for image in checked:
            draft = DraftImage(
                owner=owner,
                token=secrets.token_hex(16),
                content_type=image.content_type,
                extension=image.extension,
                width=image.width,
                height=image.height,
            )
            draft.file.save(f"{draft.token}.{image.extension}", image.as_file(), save=False)
            draft.save()
            kept.append(draft)
    return kept


def draft_images(*, owner: User, tokens: list[str]) -> list[DraftImage]:
    """The owner's kept images with these tokens, in the given order (others' are ignored)."""
    rows = {
        d.token: d for d in DraftImage.objects.filter(owner=owner, token__in=tokens[:MAX_FILES])
    }
    return [rows[t] for t in tokens if t in rows]


def draft_uploads(*, owner: User, tokens: list[str]) -> list[Upload]:
    """The kept images as uploads for ``submit_message``; an expired one is a clear error."""
    found = draft_images(owner=owner, tokens=tokens)
    if len(found) < len(set(tokens)):
        raise InvalidInput(fields={"attachments": [_("已选的图片已过期，请重新选择")]})
    uploads = []
    for draft in found:
        with draft.file.open("rb") as handle:
            uploads.append(Upload(f"{draft.token}.{draft.extension}", handle.read()))
    return uploads


def get_draft_image(*, owner: User, token: str) -> DraftImage:
    """One kept image of its owner, or NotFound."""
    draft = DraftImage.objects.filter(owner=owner, token=token).first()
    if draft is None:
        raise NotFound()
    return draft


def purge_draft_images(*, older_than: timedelta = KEEP_FOR) -> int:
    """Delete kept images nobody submitted in time (files first, then rows); idempotent."""
    stale = DraftImage.objects.filter(created_at__lt=timezone.now() - older_than)
    count = 0
    for draft in stale.iterator():
        draft.file.delete(save=False)
        draft.delete()
        count += 1
    return count
