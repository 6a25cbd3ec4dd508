"""Reading challenge-style CSV files and writing the two hot-issue tables."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from liuyanban.core import tabular
from liuyanban.core.text.chinese import normalize

from .features import HotInput
from .report import HotIssue

ISSUE_HEADER = ["热度排名", "问题ID", "热度指数", "时间范围", "地点/人群", "问题描述"]
DETAIL_HEADER = [
    "问题ID",
    "留言编号",
    "留言用户",
    "留言主题",
    "留言时间",
    "留言详情",
    "点赞数",
    "反对数",
]


def parse_time(value: str) -> datetime:
    """'2019/8/18 14:44:00', '2019/08/18 14:44', '2019-08-18' …"""
    value = value.strip().replace("-", "/")
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise ValueError(f"unrecognised time: {value!r}")


def _int(value: str | None) -> int:
    try:
        return int(float(value or 0))
    except ValueError:
        return 0


def read_messages(path: Path) -> Iterator[HotInput]:
    """Messages of a CSV with the challenge's columns (留言编号, 留言用户, 留言主题 …)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            yield HotInput(
                id=int(row["留言编号"]),
                title=normalize(row["留言主题"]),
                body=normalize(row["留言详情"]),
                at=parse_time(row["留言时间"]),
                author=row["留言用户"].strip(),
                likes=_int(row.get("点赞数")),
                dislikes=_int(row.get("反对数")),
            )


def issue_rows(issues: list[HotIssue]) -> list[list[str]]:
    """Rows of 表1 热点问题表; the problem id is the rank, as in the challenge."""
    return [
        [
            str(i.rank),
            str(i.rank),
            f"{i.heat.score:.2f}",
            f"{i.start:%Y/%m/%d} 至 {i.end:%Y/%m/%d}",
            i.place,
            i.description,
        ]
        for i in issues
    ]


def detail_rows(issues: list[HotIssue], body_chars: int | None = 60) -> list[list[str]]:
    """Rows of 表2 热点问题留言明细表, bodies cut to ``body_chars`` (None: whole body)."""
    rows = []
    for issue in issues:
        for m in issue.members:
            body = (
                m.body
                if body_chars is None or len(m.body) <= body_chars
                else m.body[:body_chars] + "…"
            )
            rows.append(
                [
                    str(issue.rank),
                    str(m.id),
                    m.author,
                    m.title,
                    f"{m.at:%Y/%m/%d %H:%M:%S}",
                    body,
                    str(m.likes),
                    str(m.dislikes),
                ]
            )
    return rows


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """UTF-8 with BOM so that spreadsheet programs detect the encoding."""
    tabular.write_csv(path, rows, header=header, bom=True)
