"""Correcting region names from an operator's file, without losing a row or a link."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from .loading import LoadReport, load_directory
from .models import Region, RegionCorrection


class CorrectionError(ValueError):
    """The file has problems; nothing was changed. One line per problem, in Chinese."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class CorrectionResult:
    """What changed: (code, former name, new name) per region, and the directory reload."""

    report: LoadReport
    renamed: list[tuple[str, str, str]] = field(default_factory=list)


def _parse(
    rows: Iterable[Mapping[str, str | None]],
) -> tuple[dict[str, tuple[str, str]], list[str]]:
    wanted: dict[str, tuple[str, str]] = {}
    problems: list[str] = []
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        code = (row.get("code") or row.get("区划代码") or "").strip()[:6]
        name = (row.get("name") or row.get("名称") or "").strip()
        note = (row.get("note") or row.get("说明") or "").strip()[:200]
        if not code.isdigit() or len(code) != 6:
            problems.append(f"第 {number} 行：区划代码“{code}”应为 6 位数字")
        elif not name or len(name) > 50:
            problems.append(f"第 {number} 行：名称不能为空，且不超过 50 个字")
        elif code in wanted:
            problems.append(f"第 {number} 行：区划代码 {code} 重复")
        else:
            wanted[code] = (name, note)
    if not wanted and not problems:
        problems.append("文件中没有需要更正的行（需要 code 和 name 两列）")
    return wanted, problems


def correct_region_names(
    rows: Iterable[Mapping[str, str | None]], *, source: Path | None = None
) -> CorrectionResult:
    """Record the corrections and reload the affected provinces; all or nothing."""
    wanted, problems = _parse(rows)
    regions = {r.code: r for r in Region.objects.filter(code__in=wanted)}
    problems += [f"区划代码 {code} 不在目录中" for code in sorted(set(wanted) - set(regions))]
    if problems:
        raise CorrectionError(problems)
    renamed: list[tuple[str, str, str]] = []
    with transaction.atomic():
        for code, (name, note) in sorted(wanted.items()):
            region = regions[code]
            existing = RegionCorrection.objects.filter(code=code).first()
            former = existing.former_name if existing else region.name
            if region.name != name:
                renamed.append((code, region.name, name))
            RegionCorrection.objects.update_or_create(
                code=code, defaults={"name": name, "former_name": former, "note": note}
            )
        # The loader applies every correction; bodies and boards follow their region's name.
        report = load_directory(source, sorted({code[:2] for code in wanted}))
    return CorrectionResult(report=report, renamed=renamed)
