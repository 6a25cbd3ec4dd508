"""The staff sheet (人员) of an onboarding file: rows read and validated, nothing written.

Valid rows are written by ``accounts.actions.onboard_staff`` (accounts, posts and their
audit entries); ``accounts.onboarding`` runs the whole file. Format: docs/directory.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from liuyanban.core.sheets import Columns, Row, RowError, Table, choice_hint, parse_choice
from liuyanban.organizations.loading.sync import chunks, fetch_by_code
from liuyanban.organizations.models import Organization

from .models import Role, User

STAFF_SHEET = "人员"
# canonical column → (Chinese header, required)
STAFF_COLUMNS: Columns = {
    "org_code": ("机构代码", True),
    "role": ("角色", True),
    "name": ("姓名", False),
    "phone": ("手机号", False),
    "email": ("邮箱", False),
    "title": ("职务", False),
}
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


@dataclass(frozen=True)
class StaffPost:
    """One staff post to hold: a person (phone and/or email, name) with a role in a body."""

    org_code: str
    role: str
    name: str
    phone: str
    email: str
    title: str

    @property
    def person(self) -> str:
        """How the file names the person: the phone, else the email."""
        return self.phone or self.email


@dataclass(frozen=True)
class StaffRow(StaffPost):
    """A valid staff row: its post and where it is in the file."""

    number: int = 0


def normalise_phone(value: str) -> str:
    """Mainland mobile numbers without spaces, dashes or the +86 prefix."""
    digits = re.sub(r"[\s\-()]", "", value)
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
    return digits


def _staff_row(table: Table, row: Row, errors: list[RowError]) -> StaffRow | None:
    ok = True

    def error(column: str, message: str) -> None:
        nonlocal ok
        errors.append(table.error(row.number, column, message))
        ok = False

    phone = normalise_phone(row.get("phone"))
    email = row.get("email").lower()
    role = parse_choice(row.get("role"), Role, {})
    if role is None or role == Role.ADMIN:
        shown = row.get("role") or "（空）"
        hint = choice_hint(Role).replace(f"、{Role.ADMIN.label}（{Role.ADMIN.value}）", "")
        error("role", f"无效的角色“{shown}”，可选：{hint}")
    if not row.get("org_code"):
        error("org_code", "不能为空")
    if not phone and not email:
        error("phone", "手机号和邮箱至少填一项")
    if phone and not PHONE_RE.match(phone):
        error("phone", f"无效的手机号“{row.get('phone')}”")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            error("email", f"无效的邮箱“{row.get('email')}”")
    for column in ("name", "title"):
        if len(row.get(column)) > 50:
            error(column, "超过 50 个字符")
    if not ok:
        return None
    return StaffRow(
        org_code=row.get("org_code"),
        role=str(role),
        name=row.get("name"),
        phone=phone,
        email=email,
        title=row.get("title"),
        number=row.number,
    )


def check_staff(table: Table, org_codes: set[str], errors: list[RowError]) -> list[StaffRow]:
    """Valid staff rows; unknown bodies, repeated rows and contradictory contacts are errors.

    ``org_codes`` are the bodies the file itself creates or updates.
    """
    rows = [s for s in (_staff_row(table, r, errors) for r in table.rows) if s is not None]
    known = org_codes | set(fetch_by_code(Organization, {s.org_code for s in rows} - org_codes))
    seen: dict[tuple[str, str, str], int] = {}
    email_of: dict[str, tuple[str, int]] = {}
    phone_of: dict[str, tuple[str, int]] = {}
    for staff in rows:
        if staff.org_code not in known:
            errors.append(
                table.error(
                    staff.number, "org_code", f"机构“{staff.org_code}”在文件和系统中都不存在"
                )
            )
        key = (staff.org_code, staff.person, staff.role)
        if key in seen:
            errors.append(
                table.error(
                    staff.number,
                    "phone",
                    f"与第 {seen[key]} 行重复（同一机构、同一人、同一角色）",
                )
            )
        seen.setdefault(key, staff.number)
        _check_contact(table, staff, email_of, phone_of, errors)
    return rows


def _check_contact(
    table: Table,
    staff: StaffRow,
    email_of: dict[str, tuple[str, int]],
    phone_of: dict[str, tuple[str, int]],
    errors: list[RowError],
) -> None:
    """One phone goes with one email across the file, and the other way round."""
    if staff.phone and staff.email:
        other = email_of.setdefault(staff.phone, (staff.email, staff.number))
        if other[0] != staff.email:
            errors.append(
                table.error(staff.number, "email", f"同一手机号在第 {other[1]} 行填了另一个邮箱")
            )
        other = phone_of.setdefault(staff.email, (staff.phone, staff.number))
        if other[0] != staff.phone:
            errors.append(
                table.error(staff.number, "phone", f"同一邮箱在第 {other[1]} 行填了另一个手机号")
            )


def find_users(posts: Sequence[StaffPost]) -> tuple[dict[str, User], dict[str, User]]:
    """Existing accounts of the posts' people, by phone and by (lower-case) email."""
    phones = sorted({s.phone for s in posts if s.phone})
    emails = sorted({s.email for s in posts if s.email})
    by_phone: dict[str, User] = {}
    by_email: dict[str, User] = {}
    for part in chunks(phones):
        by_phone.update({u.phone: u for u in User.objects.filter(phone__in=part)})
    for part in chunks(emails):
        by_email.update({u.email.lower(): u for u in User.objects.filter(email__in=part)})
    return by_phone, by_email


def check_accounts(table: Table, rows: Sequence[StaffRow], errors: list[RowError]) -> None:
    """A phone and an email of one row must not belong to two different accounts."""
    by_phone, by_email = find_users(rows)
    for staff in rows:
        a, b = by_phone.get(staff.phone), by_email.get(staff.email)
        if a is not None and b is not None and a.pk != b.pk:
            errors.append(
                table.error(staff.number, "email", "手机号和邮箱属于系统中两个不同的账号")
            )
