"""Near-duplicates in the database: signatures and band keys stored per message.

The band table answers "which messages share a band with this text" with one
indexed query, so a lookup among millions needs no in-memory index
(docs/duplicates.md measures both designs).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

from django.db import transaction
from django.db.models import QuerySet

from liuyanban.lifecycle.models import PUBLIC_STATUSES, Message

from . import dedup
from .models import DuplicateLink, MessageSignature, SignatureBand

# Candidates sharing this few bands out of 21 are almost never real duplicates.
MAX_CANDIDATES = 200


def message_text(message: Message) -> str:
    return f"{message.title} {message.body}"


@transaction.atomic(savepoint=False)
def store_signature(message: Message) -> dedup.Signature:
    """Compute and store the message's signature and band keys (replacing old ones).

    One upsert, one delete and one insert: no savepoints or read-before-write, since it
    runs inside the approval's transaction.
    """
    sig = dedup.signature(message_text(message))
    MessageSignature.objects.bulk_create(
        [
            MessageSignature(
                message=message,
                scheme=dedup.SCHEME_VERSION,
                data=dedup.signature_to_bytes(sig),
            )
        ],
        update_conflicts=True,
        unique_fields=["message"],
        update_fields=["scheme", "data"],
    )
    SignatureBand.objects.filter(message=message).delete()
    if not dedup.is_empty(sig):
        SignatureBand.objects.bulk_create(
            SignatureBand(message=message, key=k) for k in dedup.band_keys(sig)
        )
    return sig


def index_published(message_id: int, message: Message | None = None) -> bool:
    """Store a message's signature unless one of the current scheme is stored; whether it
    stored one (``message``: the row, when the caller has it).

    Intake analysis stores it at submission from the author's title and body, which
    approval does not change: at approval this is one query, and the signature, its
    upsert and its band rows are computed only when approval came first.
    """
    if MessageSignature.objects.filter(message_id=message_id, scheme=dedup.SCHEME_VERSION).exists():
        return False
    if message is None:
        message = Message.objects.filter(pk=message_id).first()
    if message is None:
        return False
    store_signature(message)
    return True


def similar(
    sig: dedup.Signature,
    *,
    exclude: Iterable[int] = (),
    public_only: bool = False,
    floor: float = dedup.QUERY_FLOOR,
    k: int = 5,
) -> list[tuple[Message, float]]:
    """Messages whose text is near ``sig``, most similar first."""
    if dedup.is_empty(sig):
        return []
    shared = Counter(
        SignatureBand.objects.filter(key__in=dedup.band_keys(sig))
        .exclude(message_id__in=list(exclude))
        .values_list("message_id", flat=True)[: MAX_CANDIDATES * 21]
    )
    ids = [mid for mid, _n in shared.most_common(MAX_CANDIDATES)]
    scored = []
    for mid, blob in MessageSignature.objects.filter(message_id__in=ids).values_list(
        "message_id", "data"
    ):
        score = dedup.estimate(sig, dedup.signature_from_bytes(bytes(blob)))
        if score >= floor:
            scored.append((mid, score))
    scored.sort(key=lambda row: -row[1])
    messages = Message.objects.select_related("board").in_bulk([mid for mid, _s in scored])
    out = []
    for mid, score in scored:
        m = messages.get(mid)
        if m is None or (public_only and (m.status not in PUBLIC_STATUSES or m.canonical_id)):
            continue
        out.append((m, round(score, 3)))
        if len(out) >= k:
            break
    return out


def similar_to_text(text: str, *, k: int = 5) -> list[tuple[Message, float]]:
    """Published messages like a text being written ("已有类似留言")."""
    return similar(dedup.signature(text), public_only=True, k=k)


def stored_or_computed(message: Message) -> dedup.Signature:
    """The message's stored signature, or one computed now from its text."""
    blob = (
        MessageSignature.objects.filter(message=message, scheme=dedup.SCHEME_VERSION)
        .values_list("data", flat=True)
        .first()
    )
    if blob is not None:
        return dedup.signature_from_bytes(bytes(blob))
    return dedup.signature(message_text(message))


def unindexed_public() -> QuerySet[Message]:
    """Public messages without a current signature: what the hint cannot find yet."""
    return Message.objects.filter(status__in=PUBLIC_STATUSES).exclude(
        pk__in=MessageSignature.objects.filter(scheme=dedup.SCHEME_VERSION).values("message_id")
    )


def index_missing(*, batch: int = 500, limit: int | None = None) -> Iterator[int]:
    """Store signatures of public messages that lack one, ``batch`` at a time.

    Yields the running count after each batch (for progress output); each batch is its own
    transaction, so an interrupted run keeps what it did and the next run resumes.
    """
    done = 0
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        chunk = list(unindexed_public().order_by("pk")[:size])
        if not chunk:
            return
        for message in chunk:
            store_signature(message)
        done += len(chunk)
        yield done


def link_duplicates(message: Message, sig: dedup.Signature) -> list[DuplicateLink]:
    """Record suggested duplicates of a new message for the moderation queue."""
    links = []
    for other, score in similar(sig, exclude=[message.pk], floor=dedup.DEFAULT_THRESHOLD, k=5):
        if other.status in ("rejected",):
            continue
        link, _ = DuplicateLink.objects.get_or_create(
            message=message, candidate=other, defaults={"similarity": score}
        )
        links.append(link)
    return links
