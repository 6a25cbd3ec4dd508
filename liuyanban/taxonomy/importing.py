"""Import a three-level category tree (一级分类, 二级分类, 三级分类) into Domain.

First-level names equal to an existing top-level domain's name reuse it (城建 stays
``urban``); everything else is matched by (parent, name) and created when missing.
Like the directory import, a file with any error imports nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction

from liuyanban.core.sheets import FileProblem, RowError, decode_text
from liuyanban.core.text.pinyin import pinyin_parts

from .models import Domain

COLUMNS = ("一级分类", "二级分类", "三级分类")
SHEET = "分类"
MAX_NAME = 50


@dataclass
class TaxonomyReport:
    """Domains created per level (1–3), those already present, and errors."""

    created: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0})
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_paths(content: bytes, errors: list[RowError]) -> list[tuple[str, ...]]:
    """Each row as its path of names from level 1 down (one to three names)."""
    text, _ = decode_text(content)
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not any(c.strip() for c in rows[0]):
        raise FileProblem("文件为空")
    header = [c.strip() for c in rows[0]]
    missing = [c for c in COLUMNS if c not in header]
    for column in missing:
        errors.append(RowError(SHEET, 1, column, "缺少必需的列"))
    if missing:
        return []
    index = [header.index(c) for c in COLUMNS]
    paths = []
    for number, row in enumerate(rows[1:], start=2):
        names = [row[i].strip() if i < len(row) else "" for i in index]
        if not any(names):
            continue
        path = _row_path(number, names, errors)
        if path:
            paths.append(path)
    if not paths and not errors:
        errors.append(RowError(SHEET, 0, "", "文件没有数据行"))
    return paths


def _row_path(number: int, names: list[str], errors: list[RowError]) -> tuple[str, ...]:
    """The names down to the deepest filled level; a gap above a filled level is an error."""
    depth = max(i for i, name in enumerate(names) if name) + 1
    for level, name in enumerate(names[:depth]):
        if not name:
            errors.append(RowError(SHEET, number, COLUMNS[level], "下级分类已填写，本级不能为空"))
            return ()
        if len(name) > MAX_NAME:
            errors.append(RowError(SHEET, number, COLUMNS[level], f"超过 {MAX_NAME} 个字符"))
            return ()
    return tuple(names[:depth])


class _Codes:
    """Unique, readable codes for new domains: chengxiangjianshe, chengxiangjianshe.aqsc …"""

    def __init__(self) -> None:
        self.taken = set(Domain.objects.values_list("code", flat=True))

    def new(self, name: str, parent: Domain | None) -> str:
        full, initials = pinyin_parts(name)
        base = f"{parent.code}.{initials[:12]}" if parent else full[:40]
        code, n = base[:60], 1
        while code in self.taken:
            n += 1
            code = f"{base[:57]}-{n}"
        self.taken.add(code)
        return code


def _sync(paths: list[tuple[str, ...]], report: TaxonomyReport) -> None:
    """Walk the levels; each level's missing domains are created in one query."""
    existing = {(d.parent_id, d.name): d for d in Domain.objects.all()}
    codes = _Codes()
    nodes: dict[tuple[str, ...], Domain] = {}
    for level in (1, 2, 3):
        wanted = list(dict.fromkeys(p[:level] for p in paths if len(p) >= level))
        new = []
        for order, path in enumerate(wanted):
            parent = nodes[path[:-1]] if level > 1 else None
            found = existing.get((parent.pk if parent else None, path[-1]))
            if found is None:
                found = Domain(
                    code=codes.new(path[-1], parent),
                    name=path[-1],
                    parent=parent,
                    level=level,
                    sort_order=order,
                )
                new.append(found)
            else:
                report.unchanged += 1
            nodes[path] = found
        Domain.objects.bulk_create(new)
        report.created[level] = len(new)


def import_taxonomy(content: bytes) -> TaxonomyReport:
    """Import the tree in ``content`` (CSV, UTF-8 or GB18030): all rows or none."""
    report = TaxonomyReport()
    try:
        paths = read_paths(content, report.errors)
    except FileProblem as problem:
        report.errors.append(RowError(SHEET, 0, "", str(problem)))
    if report.errors:
        return report
    with transaction.atomic():
        _sync(paths, report)
    return report
