"""Bulk export of messages with their final reply and ratings, as CSV or XLSX.

Rows stream from the database (``iterator(chunk_size=2000)``); replies and
ratings are fetched per batch of 2000 messages, so memory stays flat however
many messages match. Only public wording is exported, never contact data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Any

from django.db.models import Avg, Count, QuerySet

from liuyanban.core import tabular
from liuyanban.lifecycle.models import (
    Evaluation,
    Message,
    Resolution,
    Status,
)
from liuyanban.lifecycle.selectors import final_replies_for

CHUNK = 2000
FIELDS = [
    ("pk", None),
    ("tracking_number", "留言编号"),
    ("board__name", "留言板"),
    ("office__name", "受理机构"),
    ("unit__name", "办理单位"),
    ("domain__name", "领域"),
    ("kind__name", "类型"),
    ("region__name", "地区"),
    ("status", "状态"),
    ("resolution", "办理结果"),
    ("public_title", "标题"),
    ("public_body", "内容"),
    ("public_location", "地点"),
    ("submitted_at", "提交时间"),
    ("published_at", "公开时间"),
    ("replied_at", "回复时间"),
    ("closed_at", "办结时间"),
    ("current_due", "当前期限"),
    ("support_count", "附议数"),
    ("source", "来源渠道"),
    ("external_id", "外部编号"),
]
EXTRA = ["回复单位", "正式回复", "评价数", "解决程度", "办理态度", "办理速度"]
HEADER = [label for _, label in FIELDS if label] + EXTRA
STATUS_LABELS = {s.value: str(s.label) for s in Status}
RESOLUTION_LABELS = {r.value: str(r.label) for r in Resolution}


@dataclass(frozen=True)
class ExportFilters:
    """Which messages to export (codes, a status, submission dates)."""

    board: str = ""
    domain: str = ""
    kind: str = ""
    status: str = ""
    since: date | None = None
    until: date | None = None


def filtered(qs: QuerySet[Message], f: ExportFilters) -> QuerySet[Message]:
    """Apply the export filters to a (permission-scoped) queryset."""
    if f.board:
        qs = qs.filter(board__code=f.board)
    if f.domain:
        qs = qs.filter(domain__code=f.domain)
    if f.kind:
        qs = qs.filter(kind__code=f.kind)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.since:
        qs = qs.filter(submitted_at__date__gte=f.since)
    if f.until:
        qs = qs.filter(submitted_at__date__lte=f.until)
    return qs


def _extras(ids: list[int]) -> tuple[dict[int, tuple[str, str]], dict[int, dict[str, Any]]]:
    """The published final reply and the rating averages of a batch of messages."""
    replies = {
        message_id: (reply.organization.name, reply.public_body)
        for message_id, reply in final_replies_for(ids).items()
    }
    ratings = {
        row["message_id"]: row
        for row in Evaluation.objects.filter(message_id__in=ids)
        .values("message_id")
        .annotate(n=Count("pk"), solved=Avg("solved"), attitude=Avg("attitude"), speed=Avg("speed"))
    }
    return replies, ratings


def _batches(rows: Iterable[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, CHUNK)):
        yield batch


def _avg(value: float | None) -> Any:
    return round(value, 2) if value is not None else ""


def rows(
    qs: QuerySet[Message], on_batch: Callable[[int], None] | None = None
) -> Iterator[list[Any]]:
    """One list of cells per message, in id order (``core.tabular`` neutralises them).

    ``on_batch`` is told each batch's size once its rows are yielded (progress).
    """
    values = qs.order_by("pk").values_list(*[name for name, _ in FIELDS])
    for batch in _batches(values.iterator(chunk_size=CHUNK)):
        replies, ratings = _extras([row[0] for row in batch])
        for row in batch:
            cells = list(row[1:])
            cells[7] = STATUS_LABELS.get(cells[7], cells[7])
            cells[8] = RESOLUTION_LABELS.get(cells[8], cells[8])
            org, body = replies.get(row[0], ("", ""))
            rating = ratings.get(row[0], {})
            cells += [
                org,
                body,
                rating.get("n", 0),
                _avg(rating.get("solved")),
                _avg(rating.get("attitude")),
                _avg(rating.get("speed")),
            ]
            yield cells
        if on_batch is not None:
            on_batch(len(batch))


def stream_csv(
    qs: QuerySet[Message], on_batch: Callable[[int], None] | None = None
) -> Iterator[bytes]:
    """CSV in UTF-8 with a BOM (so Excel reads the Chinese), streamed in chunks."""
    return tabular.csv_chunks(rows(qs, on_batch), header=HEADER)


def _sheet(qs: QuerySet[Message], on_batch: Callable[[int], None] | None = None) -> tabular.Sheet:
    return tabular.Sheet("留言", HEADER, rows(qs, on_batch))


def write_xlsx(
    qs: QuerySet[Message], path: str, on_batch: Callable[[int], None] | None = None
) -> int:
    """Write the workbook to ``path`` row by row (constant memory); returns the message count."""
    return tabular.write_xlsx(path, [_sheet(qs, on_batch)])


def xlsx_tempfile(qs: QuerySet[Message]) -> str:
    """A temporary XLSX file of ``qs``; the caller opens it and removes it."""
    return tabular.xlsx_tempfile([_sheet(qs)])
