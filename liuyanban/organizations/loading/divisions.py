"""The administrative code table: its rows (divisions), where it comes from, their parents."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ..models import Level

# Hong Kong, Macao and Taiwan have no party committees or people's governments
# of the mainland kind, so the directory of boards leaves them out.
EXCLUDED_PROVINCES = frozenset({"71", "81", "82"})
# Grouping rows of the code table that are not regions of their own: their
# counties hang directly under the province (北京市辖区, 省直辖县级行政区划 …).
PLACEHOLDER_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


@dataclass(frozen=True)
class Division:
    """One row of the administrative code table, normalised to a 6-digit code."""

    code: str
    name: str
    longitude: float | None
    latitude: float | None

    @property
    def province(self) -> str:
        return self.code[:2]

    @property
    def level(self) -> str:
        if self.code[2:] == "0000":
            return Level.PROVINCE
        if self.code[4:] == "00":
            return Level.PREFECTURE
        return Level.COUNTY


def cpca_source() -> Path:
    """The code table shipped with cpca (3,511 adcodes with coordinates)."""
    import cpca  # pulls in pandas: only when the directory is loaded

    return Path(cpca.__file__).parent / "resources" / "adcodes.csv"


def _coordinate(value: str | None) -> float | None:
    return float(value) if value and value.strip() else None


def read_divisions(source: Path) -> list[Division]:
    """Rows of an ``adcode,name,longitude,latitude`` table (6- or 12-digit codes).

    Placeholder rows are dropped; a row whose 6-digit code appears twice keeps the first.
    """
    seen: dict[str, Division] = {}
    with source.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            raw = (row.get("adcode") or row.get("code") or "").strip()
            name = (row.get("name") or "").strip()
            if len(raw) not in (6, 12) or not raw.isdigit() or raw[6:].strip("0"):
                raise ValueError(f"{source}: 无效的区划代码 “{raw}”（应为 6 或 12 位数字）")
            code = raw[:6]
            if name in PLACEHOLDER_NAMES or name.endswith("直辖县级行政区划"):
                continue
            seen.setdefault(
                code,
                Division(
                    code, name, _coordinate(row.get("longitude")), _coordinate(row.get("latitude"))
                ),
            )
    return sorted(seen.values(), key=lambda d: d.code)


def parent_code(division: Division, codes: set[str]) -> str | None:
    """The region above: the prefecture if it exists, else the province (municipalities)."""
    if division.level == Level.PROVINCE:
        return None
    prefecture = division.code[:4] + "00"
    if division.level == Level.COUNTY and prefecture in codes:
        return prefecture
    return division.code[:2] + "0000"
