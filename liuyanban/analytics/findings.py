"""Plain-language findings, each sentence carrying the numbers it rests on.

Bodies with too few messages are left out of "slowest" and "best rated" so one
message cannot make a headline; the threshold is printed with the finding.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from liuyanban.organizations.models import Organization

from .report_types import Finding, Report
from .selectors import ratio, satisfaction

SCALES = ["solved_sum", "attitude_sum", "speed_sum"]
MIN_REPLIES = 3  # answered messages a body needs before it can be called slow
MIN_EVALUATIONS = 3  # evaluations a body needs before it can be called best rated


def share_changes(report: Report, limit: int = 2) -> list[Finding]:
    """The domains whose share rose or fell most from the year before."""
    if len(report.years) < 2:
        return []
    prev, last = report.years[-2], report.years[-1]
    moved = sorted(
        (s for s in report.shares if s.change is not None), key=lambda s: -abs(s.change or 0)
    )
    out = []
    for s in moved[:limit]:
        if not s.change:
            continue
        text = _(
            "“%(d)s”类留言占比由 %(y0)s年的 %(p0).1f%%（%(n0)s/%(t0)s 件）%(verb)s至 %(y1)s年的 "
            "%(p1).1f%%（%(n1)s/%(t1)s 件），变化 %(c)+.1f 个百分点。"
        ) % {
            "d": s.domain,
            "y0": prev,
            "p0": (s.shares[prev] or 0) * 100,
            "n0": s.counts[prev],
            "t0": report.year_totals[prev],
            "verb": _("上升") if s.change > 0 else _("下降"),
            "y1": last,
            "p1": (s.shares[last] or 0) * 100,
            "n1": s.counts[last],
            "t1": report.year_totals[last],
            "c": s.change,
        }
        out.append(Finding("share", text))
    return out


# The per-body sums the findings read (the report groups its office rows once).
MEASURES = ("final_n", "final_days", "eval_n", "good_n", *SCALES)


def _per_body(report: Report) -> list[tuple[int, dict[str, int]]]:
    """(office id, sums) of every body in the report, in office id order."""
    return sorted(report.offices.items())


def _named(
    chosen: list[tuple[int, dict[str, int]]],
) -> list[tuple[Organization, dict[str, int]]]:
    """The chosen bodies with their directory rows (only those are read)."""
    orgs = Organization.objects.in_bulk([pk for pk, _t in chosen])
    return [(orgs[pk], t) for pk, t in chosen if pk in orgs]


def slowest(
    report: Report, bodies: list[tuple[int, dict[str, int]]], limit: int = 3
) -> list[Finding]:
    timed = [(o, t) for o, t in bodies if t["final_n"] >= MIN_REPLIES]
    timed.sort(key=lambda x: -(ratio(x[1]["final_days"], x[1]["final_n"]) or 0))
    return [
        Finding(
            "slow",
            _(
                "%(o)s 正式回复平均用时 %(a).1f 个工作日（%(n)s 件已回复，共 %(d)s 个工作日；至少 %(m)s 件才参与比较）。"
            )
            % {
                "o": o.local_name,
                "a": ratio(t["final_days"], t["final_n"]) or 0,
                "n": t["final_n"],
                "d": t["final_days"],
                "m": MIN_REPLIES,
            },
        )
        for o, t in _named(timed[:limit])
    ]


def best_rated(
    report: Report, bodies: list[tuple[int, dict[str, int]]], limit: int = 3
) -> list[Finding]:
    rated = [(o, t) for o, t in bodies if t["eval_n"] >= MIN_EVALUATIONS]
    rated.sort(key=lambda x: -(satisfaction(x[1]) or 0))
    return [
        Finding(
            "rated",
            _(
                "%(o)s 综合满意度 %(s).2f 分（%(n)s 条评价，好评 %(g)s 条；至少 %(m)s 条评价才参与比较）。"
            )
            % {
                "o": o.local_name,
                "s": satisfaction(t) or 0,
                "n": t["eval_n"],
                "g": t["good_n"],
                "m": MIN_EVALUATIONS,
            },
        )
        for o, t in _named(rated[:limit])
    ]


def findings(report: Report) -> list[Finding]:
    """All findings of a report, in reading order."""
    bodies = _per_body(report)
    return [*share_changes(report), *slowest(report, bodies), *best_rated(report, bodies)]
