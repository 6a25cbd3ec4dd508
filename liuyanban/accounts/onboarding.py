"""Onboarding from an operator's CSV or XLSX file: bodies, their boards and staff.

``import_organizations`` reads both sheets (机构 and 人员), validates every row, and only
when the whole file is valid writes it in one transaction (all or nothing): bodies and
boards through ``organizations.importing``, staff accounts and posts through the
accounts action ``onboard_staff``, which records an ``AuditEntry`` per change. It lives
in accounts because staff posts do (accounts sits above organizations). The management
command calls it and only formats the report; the format is documented in
docs/directory.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import DatabaseError, transaction

from liuyanban.core.progress import Tracker, advance, begin
from liuyanban.core.sheets import (
    FileProblem,
    Grid,
    RowError,
    Table,
    check_uploaded,
    is_xlsx,
    make_table,
    read_csv,
    read_xlsx,
)
from liuyanban.organizations.importing.rows import ORG_COLUMNS, ORG_SHEET, check_organizations
from liuyanban.organizations.importing.writing import write_organizations
from liuyanban.organizations.loading.sync import SyncCounts

from .actions import onboard_staff
from .models import User
from .staff_sheet import STAFF_COLUMNS, STAFF_SHEET, check_accounts, check_staff


@dataclass
class ImportReport:
    """The outcome of one import: errors (then nothing was written) or counts."""

    errors: list[RowError] = field(default_factory=list)
    organizations: SyncCounts = field(default_factory=SyncCounts)
    boards: SyncCounts = field(default_factory=SyncCounts)
    users: SyncCounts = field(default_factory=SyncCounts)
    memberships: SyncCounts = field(default_factory=SyncCounts)
    encoding: str = ""
    rows: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def read_tables(
    content: bytes, filename: str, staff_content: bytes | None, errors: list[RowError]
) -> tuple[Table | None, Table | None, str]:
    """The organisation table, the staff table (if any) and how the file was read."""
    check_uploaded(content)
    staff_grid: Grid | None = None
    if is_xlsx(content, filename):
        sheets = read_xlsx(content)
        names = {n.strip().lower(): n for n in sheets}
        org_name = names.get(ORG_SHEET) or names.get("organizations") or next(iter(sheets))
        org_grid, encoding = sheets[org_name], "xlsx"
        staff_name = names.get(STAFF_SHEET) or names.get("staff")
        if staff_name is not None:
            staff_grid = sheets[staff_name]
    else:
        org_grid, encoding = read_csv(content)
    if staff_content is not None:
        if staff_grid is not None:
            raise FileProblem("人员既在工作簿的“人员”表中，又作为单独文件给出：只能给一处")
        staff_grid = (
            read_xlsx(staff_content).popitem()[1]
            if is_xlsx(staff_content, "")
            else read_csv(staff_content)[0]
        )
    orgs = make_table(ORG_SHEET, org_grid, ORG_COLUMNS, errors)
    staff = (
        make_table(STAFF_SHEET, staff_grid, STAFF_COLUMNS, errors)
        if staff_grid is not None
        else None
    )
    return orgs, staff, encoding


def import_organizations(
    content: bytes,
    *,
    filename: str = "",
    staff_content: bytes | None = None,
    dry_run: bool = False,
    actor: User | None = None,
    tracker: Tracker | None = None,
) -> ImportReport:
    """Import a CSV or XLSX file of bodies (and staff): everything or, on any error, nothing.

    A dry run does the whole import inside a transaction it then rolls back, so its
    counts are exactly what a real run would do. ``actor`` is recorded on the staff
    changes' audit entries (None: the command line). ``tracker`` (a progress bar)
    counts rows: read and checked, then bodies (with their boards) and staff written.
    """
    report = ImportReport(dry_run=dry_run)
    try:
        orgs, staff, report.encoding = read_tables(content, filename, staff_content, report.errors)
    except FileProblem as problem:
        report.errors.append(RowError(ORG_SHEET, 0, "", str(problem)))
        return report
    if orgs is None or report.errors:
        report.errors.sort()
        return report
    report.rows = len(orgs.rows) + (len(staff.rows) if staff else 0)
    rows = check_organizations(orgs, report.errors)
    staff_rows = check_staff(staff, {r.code for r in rows}, report.errors) if staff else []
    if staff is not None and not report.errors:
        check_accounts(staff, staff_rows, report.errors)
    if report.errors:
        report.errors.sort()
        return report
    via = f"导入文件 {filename}" if filename else "导入文件"
    begin(tracker, report.rows + len(rows) + len(staff_rows))
    advance(tracker, report.rows)
    try:
        with transaction.atomic():
            report.organizations, report.boards = write_organizations(rows, orgs.headers)
            advance(tracker, len(rows))
            report.users, report.memberships = onboard_staff(actor=actor, posts=staff_rows, via=via)
            advance(tracker, len(staff_rows))
            if dry_run:
                transaction.set_rollback(True)
    except DatabaseError as error:  # a concurrent edit; the transaction rolled back
        report.errors.append(RowError(ORG_SHEET, 0, "", f"写入数据库失败，未导入任何内容：{error}"))
    return report
