"""Import messages from other channels (hotline, mailbox) from CSV or XLSX.

Every row becomes a message through ``submit_message``, exactly like the web
form, so it waits for moderation. Rows are deduplicated by (source,
external_id): a row already imported is skipped, so running the same file twice
imports nothing twice. Bad rows are reported by row, column and reason (in
Chinese); good rows are imported. File reading is ``core.sheets`` (UTF-8/GB18030
CSV, XLSX), shared with the directory and category imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import IntegrityError

from liuyanban.core.errors import DomainError
from liuyanban.core.progress import Tracker, advance, begin
from liuyanban.core.sheets import (
    FileProblem,
    Row,
    RowError,
    check_uploaded,
    is_xlsx,
    make_table,
    read_csv,
    read_xlsx,
)
from liuyanban.lifecycle.actions import Contact, Draft, submit_message
from liuyanban.lifecycle.models import Message
from liuyanban.organizations.models import Board, Region
from liuyanban.taxonomy.models import Domain, Kind

SHEET = "留言"
COLUMNS: dict[str, tuple[str, bool]] = {
    "external_id": ("外部编号", True),
    "source": ("来源渠道", True),
    "title": ("标题", True),
    "body": ("内容", True),
    "domain": ("领域", True),
    "kind": ("类型", True),
    "region": ("区划代码", False),
    "location": ("地点", False),
    "nickname": ("昵称", False),
    "real_name": ("姓名", False),
    "phone": ("电话", False),
    "email": ("邮箱", False),
    "address": ("地址", False),
}
SOURCE_ALIASES = {"热线": "hotline", "12345": "hotline", "信箱": "mailbox", "来信": "letter"}
SOURCE_RE = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
# The lifecycle's field names → our columns, for its validation messages.
FIELD_COLUMNS = {
    "title": "title",
    "body": "body",
    "location": "location",
    "region": "region",
    "nickname": "nickname",
}


@dataclass
class MessageImportReport:
    """What happened: created tracking numbers, rows skipped as already imported, and errors."""

    created: list[str] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0


def _grid(content: bytes, filename: str) -> list[list[str]]:
    check_uploaded(content)
    if is_xlsx(content, filename):
        sheets = read_xlsx(content)
        return sheets.get(SHEET) or next(iter(sheets.values()))
    return read_csv(content)[0]


class _Lookup:
    """Codes and names of domains, kinds and regions, read once per import."""

    def __init__(self) -> None:
        self.domains = self._index(Domain.objects.filter(is_active=True, level=1))
        self.kinds = self._index(Kind.objects.all())

    @staticmethod
    def _index(qs: object) -> dict[str, int]:
        index: dict[str, int] = {}
        for pk, code, name in qs.values_list("pk", "code", "name"):  # type: ignore[attr-defined]
            index[code.lower()] = pk
            index[name] = pk
        return index


def _source(value: str) -> str | None:
    text = SOURCE_ALIASES.get(value.strip(), value.strip().lower())
    return text if SOURCE_RE.match(text) else None


def _row_draft(row: Row, board: Board, lookup: _Lookup, errors: list[RowError]) -> Draft | None:
    """The Draft of one row, or None after reporting what is wrong with it."""
    problems: list[RowError] = []

    def bad(column: str, message: str) -> None:
        problems.append(RowError(SHEET, row.number, COLUMNS[column][0], message))

    for name, (label, required) in COLUMNS.items():
        if required and not row.get(name):
            bad(name, f"{label}不能为空")
    if len(row.get("external_id")) > 80:
        bad("external_id", "外部编号不能超过 80 个字符")
    source = _source(row.get("source"))
    if row.get("source") and source is None:
        bad("source", "来源渠道应为英文代码（如 hotline、mailbox）或“热线”“信箱”")
    domain_id = lookup.domains.get(row.get("domain").lower()) or lookup.domains.get(
        row.get("domain")
    )
    if row.get("domain") and domain_id is None:
        bad("domain", f"未知的领域“{row.get('domain')}”")
    kind_id = lookup.kinds.get(row.get("kind").lower()) or lookup.kinds.get(row.get("kind"))
    if row.get("kind") and kind_id is None:
        bad("kind", f"未知的类型“{row.get('kind')}”")
    region_id = None
    if row.get("region"):
        region_id = (
            Region.objects.filter(code=row.get("region")).values_list("pk", flat=True).first()
        )
        if region_id is None:
            bad("region", f"未知的区划代码“{row.get('region')}”")
    if problems:
        errors.extend(problems)
        return None
    assert domain_id is not None and kind_id is not None and source is not None
    return Draft(
        board_id=board.pk,
        domain_id=domain_id,
        kind_id=kind_id,
        title=row.get("title"),
        body=row.get("body"),
        region_id=region_id,
        location=row.get("location"),
        nickname=row.get("nickname"),
        contact=Contact(
            real_name=row.get("real_name"),
            phone=row.get("phone"),
            email=row.get("email"),
            address=row.get("address"),
        ),
        source=source,
        external_id=row.get("external_id"),
    )


def _submit(row: Row, draft: Draft, report: MessageImportReport) -> None:
    try:
        message = submit_message(author=None, draft=draft)
    except IntegrityError:
        report.skipped.append(row.number)  # imported concurrently by someone else
        return
    except DomainError as error:
        for name, messages in (error.fields or {"": [error.message]}).items():
            column = COLUMNS.get(FIELD_COLUMNS.get(name, ""), ("", False))[0]
            report.errors.extend(RowError(SHEET, row.number, column, m) for m in messages)
        return
    report.created.append(message.tracking_number)


def import_messages(
    content: bytes, filename: str, *, board: Board, tracker: Tracker | None = None
) -> MessageImportReport:
    """Import every good row of the file into ``board``; report the bad ones precisely.

    ``tracker`` (a progress bar) is told the row count, then each row done.
    """
    report = MessageImportReport()
    try:
        table = make_table(
            SHEET, _grid(content, filename), COLUMNS, report.errors, docs="docs/api.md"
        )
    except FileProblem as problem:
        report.errors.append(RowError(SHEET, 0, "", str(problem)))
        return report
    if table is None or any(e.row <= 1 for e in report.errors):
        return report  # the header is wrong: no row can be read reliably
    report.rows = len(table.rows)
    lookup = _Lookup()
    seen: dict[tuple[str, str], int] = {}
    begin(tracker, report.rows)
    for row in table.rows:
        advance(tracker)
        draft = _row_draft(row, board, lookup, report.errors)
        if draft is None:
            continue
        key = (draft.source, draft.external_id)
        if key in seen:
            report.errors.append(
                RowError(SHEET, row.number, "外部编号", f"与第 {seen[key]} 行的外部编号重复")
            )
            continue
        seen[key] = row.number
        if Message.objects.filter(source=draft.source, external_id=draft.external_id).exists():
            report.skipped.append(row.number)
            continue
        _submit(row, draft, report)
    return report
