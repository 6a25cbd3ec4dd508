"""The national directory: ``load_directory`` builds or refreshes it from a code table.

- ``divisions``: the administrative code table (cpca's by default) as divisions;
- ``plan``: the regions, bodies and boards wanted for them (specs; nothing written);
- ``sync``: the idempotent bulk sync of specs, shared with the operator's file import
  (``organizations.importing``). It never deletes.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from django.db import transaction

from liuyanban.core.progress import Tracker, advance, begin

from ..models import Level
from .divisions import Division, cpca_source, read_divisions
from .plan import active_templates, plan_directory
from .sync import SyncCounts, sync_boards, sync_organizations, sync_regions


@dataclass
class LoadReport:
    """What ``load_directory`` did, and how long it took."""

    regions: SyncCounts
    organizations: SyncCounts
    boards: SyncCounts
    seconds: float


def normalise_provinces(provinces: Iterable[str]) -> list[str]:
    """ "43", "430000" or "430000000000" → "43"; anything else is an error."""
    result = []
    for raw in provinces:
        code = raw.strip()
        if not code.isdigit() or len(code) not in (2, 6, 12) or code[2:].strip("0"):
            raise ValueError(f"无效的省级区划代码 “{raw}”（例如 43 或 430000）")
        result.append(code[:2])
    return result


def apply_corrections(divisions: list[Division]) -> list[Division]:
    """The divisions with the operator's name corrections (a dated code table stays usable)."""
    from ..models import RegionCorrection

    names = dict(RegionCorrection.objects.values_list("code", "name"))
    if not names:
        return divisions
    return [replace(d, name=names.get(d.code, d.name)) for d in divisions]


def load_directory(
    source: Path | None = None, provinces: Sequence[str] = (), tracker: Tracker | None = None
) -> LoadReport:
    """Build or refresh the national directory from a code table (cpca's by default).

    ``tracker`` (a progress bar) counts records synced, a step (regions, bodies, boards)
    at a time.
    """
    started = time.perf_counter()
    divisions = read_divisions(source or cpca_source())
    wanted = normalise_provinces(provinces)
    known = {d.province for d in divisions if d.level == Level.PROVINCE}
    unknown = sorted(set(wanted) - known)
    if unknown:
        raise ValueError(f"区划表中没有这些省级代码：{', '.join(unknown)}")
    divisions = apply_corrections(divisions)
    with transaction.atomic():
        plan = plan_directory(divisions, active_templates(), wanted)
        begin(tracker, len(plan.regions) + len(plan.organizations) + len(plan.boards))
        regions = sync_regions(plan.regions)
        advance(tracker, len(plan.regions))
        organizations = sync_organizations(plan.organizations)
        advance(tracker, len(plan.organizations))
        boards = sync_boards(plan.boards)
        advance(tracker, len(plan.boards))
    return LoadReport(regions, organizations, boards, time.perf_counter() - started)
