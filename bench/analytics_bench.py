"""Statistics at national scale: the same report from the rollups vs straight from messages.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/liuyanban_analyticsbench \\
        nice -n 10 .venv/bin/python bench/analytics_bench.py --messages 4200000

Creates (drops first) the database named in DATABASE_URL and migrates it; builds a
national directory (31 provinces, 310 prefectures, 930 counties, a government with
six departments per prefecture, 341 boards); COPYs N messages received in 2024 (and
N × --previous received in 2023, for the year-over-year shares) with evaluations;
builds the rollups with the product's own code (``manage.py rebuild_rollups``, that is
``analytics.rollups.rebuild``, in a child process: its wall time and peak RSS are
printed); then prints:
  - the national 2024 report built from the rollups (``analytics.reports.build``)
    and the whole /stats/ page rendered, best and median of several runs;
  - the same figures computed straight from the message table in SQL (one query per
    table of the report: working days from ``chinese_calendar``), and whether each
    figure agrees with the rollups: headline totals, and the per-kind, per-domain ×
    province, per-month and per-board counts of the rollup cubes.
Evidence: synthetic data (numpy, fixed seeds), on PostgreSQL on the machine it runs on.
``--keep`` leaves the database for inspection; otherwise it is dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

YEAR = 2024
STATUSES = [
    ("submitted", 0.02),
    ("rejected", 0.02),
    ("published", 0.03),
    ("merged", 0.01),
    ("accepted", 0.03),
    ("assigned", 0.04),
    ("in_handling", 0.10),
    ("reviewing", 0.01),
    ("replied", 0.14),
    ("closed", 0.60),
]


def prepare_database(fresh: bool = True) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("set DATABASE_URL=postgres://…/liuyanban_analyticsbench (its own database)")
    name = url.rsplit("/", 1)[1]
    base = url.rsplit("/", 1)[0] + "/postgres"
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}") if fresh else ():
        subprocess.run(["psql", base, "-qc", sql], check=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")
    os.environ.setdefault("TASKS_BACKEND", "immediate")
    os.environ.setdefault("EMAIL_URL", "locmem")
    return base + " " + name


def best(fn: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times), result


# ---------------------------------------------------------------------------
# Directory
# ---------------------------------------------------------------------------


def build_directory(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Regions, bodies and boards; returns per-board arrays used to generate messages."""
    from liuyanban.organizations.models import Board, Level, Organization, OrgKind, Region

    root = Organization.objects.create(
        code="CN", name="中央", kind=OrgKind.PLATFORM, level=Level.CENTRAL
    )
    boards, board_office, board_counties, board_units = [], [], [], []
    for p in range(31):
        lon, lat = 85 + rng.random() * 40, 20 + rng.random() * 25
        prov = Region.objects.create(
            code=f"{p + 11:02d}0000",
            name=f"省{p + 1}",
            level=Level.PROVINCE,
            longitude=lon,
            latitude=lat,
        )
        gov = Organization.objects.create(
            code=f"{prov.code}-zf",
            name=f"省{p + 1}人民政府",
            kind=OrgKind.GOVERNMENT,
            level=Level.PROVINCE,
            parent=root,
            region=prov,
        )
        board = Board.objects.create(
            code=f"{prov.code}-head", name=f"省{p + 1}省长", kind="leader", organization=gov
        )
        counties_of_province = []
        for c in range(10):
            pref = Region.objects.create(
                code=f"{p + 11:02d}{c + 1:02d}00",
                name=f"省{p + 1}市{c + 1}",
                level=Level.PREFECTURE,
                parent=prov,
                longitude=lon + rng.random(),
                latitude=lat + rng.random(),
            )
            counties = [
                Region.objects.create(
                    code=f"{p + 11:02d}{c + 1:02d}{k + 1:02d}",
                    name=f"{pref.name}县{k + 1}",
                    level=Level.COUNTY,
                    parent=pref,
                ).pk
                for k in range(3)
            ]
            counties_of_province += counties
            pgov = Organization.objects.create(
                code=f"{pref.code}-zf",
                name=f"{pref.name}人民政府",
                kind=OrgKind.GOVERNMENT,
                level=Level.PREFECTURE,
                parent=gov,
                region=pref,
            )
            units = [
                Organization.objects.create(
                    code=f"{pref.code}-zf-{u}",
                    name=f"{pref.name}部门{u}",
                    kind=OrgKind.DEPARTMENT,
                    level=Level.PREFECTURE,
                    parent=pgov,
                    region=pref,
                ).pk
                for u in range(6)
            ]
            b = Board.objects.create(
                code=f"{pref.code}-head", name=f"{pref.name}市长", kind="leader", organization=pgov
            )
            board_office.append(pgov.pk)
            board_counties.append(counties)
            board_units.append(units)
            boards.append(b.pk)
        boards.append(board.pk)
        board_office.append(gov.pk)
        board_counties.append(counties_of_province[:3])
        board_units.append([gov.pk] * 6)
    return {
        "board": np.array(boards),
        "office": np.array(board_office),
        "counties": np.array(board_counties),
        "units": np.array(board_units),
    }


# ---------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------


def domain_weights(domain_codes: list[str], year: int) -> np.ndarray:
    """Zipf-like domain shares; real estate (housing) falls from 2023 to 2024."""
    w = 1 / np.arange(1, len(domain_codes) + 1) ** 0.8
    w[domain_codes.index("housing")] *= 1.6 if year == YEAR - 1 else 1.0
    return w / w.sum()


def _ts(base: np.ndarray, add_days: np.ndarray | float) -> np.ndarray:
    return base + (np.asarray(add_days) * 86400).astype("timedelta64[s]")


def _fmt(ts: np.ndarray, mask: np.ndarray) -> np.ndarray:
    text = np.char.add(np.datetime_as_string(ts, unit="s"), "+08")
    return np.where(mask, text, "\\N")


def generate(
    n: int, year: int, d: dict[str, np.ndarray], seed: int, offset: int
) -> tuple[list[str], list[str]]:
    """COPY lines of ``n`` messages received in ``year`` and of their evaluations."""
    from liuyanban.taxonomy.models import Domain, Kind

    rng = np.random.default_rng(seed)
    domains = list(Domain.objects.filter(level=1).order_by("sort_order").values_list("code", "pk"))
    codes, domain_ids = [c for c, _ in domains], np.array([pk for _, pk in domains])
    kind_ids = np.array(list(Kind.objects.order_by("sort_order").values_list("pk", flat=True)))
    board_i = rng.integers(0, len(d["board"]), n)
    dom_i = rng.choice(len(codes), n, p=domain_weights(codes, year))
    kind_p = np.array([0.45, 0.2, 0.2, 0.1, 0.05, 0.05, 0.05])[: len(kind_ids)]
    kind_i = rng.choice(len(kind_ids), n, p=kind_p / kind_p.sum())
    county = d["counties"][board_i, rng.integers(0, 3, n)]
    region = np.where(rng.random(n) < 0.3, -1, county)
    unit = d["units"][board_i, dom_i % 6]
    status = rng.choice([s for s, _ in STATUSES], n, p=[p for _, p in STATUSES])
    start = np.datetime64(f"{year}-01-01T08:00:00")
    submitted = _ts(start, rng.random(n) * 365)
    routed = np.isin(
        status, ["accepted", "assigned", "in_handling", "reviewing", "replied", "closed"]
    )
    published = routed | np.isin(status, ["published"])
    answered = np.isin(status, ["replied", "closed"])
    reopened = (answered | (status == "in_handling")) & (rng.random(n) < 0.03)
    replied = answered | reopened
    took = 1 + rng.gamma(2.0, 6.0, n)
    replied_at = _ts(submitted, took)
    interim = (status == "in_handling") & (rng.random(n) < 0.3)
    first_at = np.where(interim, _ts(submitted, took / 2), replied_at)
    due = (submitted + np.timedelta64(23, "D")).astype("datetime64[D]")
    unit_set = routed & ~np.isin(status, ["accepted"])
    lines = []
    for i in range(n):
        s = status[i]
        lines.append(
            "\t".join(
                (
                    f"BM{offset + i:012d}",
                    str(d["board"][board_i[i]]),
                    str(d["office"][board_i[i]]),
                    str(unit[i]) if unit_set[i] else "\\N",
                    "",
                    "web",
                    "",
                    str(domain_ids[dom_i[i]]),
                    str(kind_ids[kind_i[i]]),
                    str(region[i]) if region[i] > 0 else "\\N",
                    "",
                    "标题",
                    BODIES[i % len(BODIES)],
                    "标题",
                    BODIES[i % len(BODIES)],
                    "",
                    "",
                    s,
                    "solved" if answered[i] else "",
                )
            )
        )
    sub = _fmt(submitted, np.ones(n, bool))
    pub = _fmt(_ts(submitted, 1), published)
    acc = _fmt(_ts(submitted, 2), routed)
    first = _fmt(first_at, replied | interim)
    rep = _fmt(replied_at, replied)
    clo = _fmt(_ts(replied_at, 3), status == "closed")
    due_s = np.where(routed, np.datetime_as_string(due), "\\N")
    ret = (routed & (rng.random(n) < 0.05)).astype(int)
    out = [
        "\t".join(
            (
                line,
                sub[i],
                pub[i],
                acc[i],
                first[i],
                rep[i],
                clo[i],
                due_s[i],
                due_s[i],
                "\\N",
                "f",
                str(int(reopened[i])),
                str(ret[i]),
                "0",
                "0",
                "\\N",
                "",
                "\\N",
                sub[i],
            )
        )
        for i, line in enumerate(lines)
    ]
    rated = answered & (rng.random(n) < 0.4)
    scores = rng.choice([1, 2, 3, 4, 5], (n, 3), p=[0.08, 0.07, 0.15, 0.3, 0.4])
    evals = [
        f"{offset + i + 1}\t{USER_ID}\t{scores[i, 0]}\t{scores[i, 1]}\t{scores[i, 2]}\t\t{rep[i]}"
        for i in np.flatnonzero(rated)
    ]
    return out, evals


MSG_COLS = (
    "tracking_number,board_id,office_id,unit_id,author_nickname,source,external_id,domain_id,kind_id,"
    "region_id,location,title,body,public_title,public_body,public_location,search_text,status,resolution,"
    "submitted_at,published_at,accepted_at,first_reply_at,replied_at,closed_at,accept_due,reply_due,"
    "current_due,extension_used,reopen_count,return_count,transfer_count,support_count,canonical_id,"
    "idempotency_key,submit_ip,updated_at"
)
BODIES = [
    ("小区门口道路破损严重，下雨积水，居民出行不便，希望有关部门尽快维修。" * 9)[: 280 + k]
    for k in range(20)
]
USER_ID = 0


def copy(table: str, cols: str, lines: list[str]) -> None:
    from django.db import connection

    with (
        connection.cursor() as cursor,
        cursor.connection.cursor() as c,
        c.copy(f"COPY {table} ({cols}) FROM STDIN") as cp,
    ):
        for k in range(0, len(lines), 50_000):
            cp.write("\n".join(lines[k : k + 50_000]) + "\n")


def load_messages(n: int, previous: float, d: dict[str, np.ndarray]) -> None:
    global USER_ID
    from django.db import connection

    from liuyanban.accounts.models import User

    USER_ID = User.objects.create_user(username="bench", password="x").pk
    with connection.cursor() as c:
        c.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename='lifecycle_message' AND indexname NOT LIKE '%pkey' AND indexname NOT LIKE '%tracking%'"
        )
        for (name,) in c.fetchall():
            c.execute(f'DROP INDEX IF EXISTS "{name}"')  # bulk load without the worklist indexes
    offset = 0
    for year, count in ((YEAR - 1, int(n * previous)), (YEAR, n)):
        done = 0
        while done < count:
            chunk = min(500_000, count - done)
            msgs, evals = generate(chunk, year, d, seed=year * 1000 + done, offset=offset)
            copy("lifecycle_message", MSG_COLS, msgs)
            copy(
                "lifecycle_evaluation",
                "message_id,author_id,solved,attitude,speed,comment,created_at",
                evals,
            )
            done += chunk
            offset += chunk
            print(f"  loaded {offset:,} messages", flush=True)
    with connection.cursor() as c:
        c.execute("CREATE INDEX bench_msg_submitted ON lifecycle_message (submitted_at)")
        c.execute("ANALYZE")


# ---------------------------------------------------------------------------
# Rollups from SQL, and the direct queries
# ---------------------------------------------------------------------------


def workday_table() -> None:
    """bench_workday(d, n): n = working days up to and including d (chinese_calendar)."""
    from django.db import connection

    from liuyanban.lifecycle.workdays import is_workday

    day, n, rows = date(YEAR - 2, 12, 1), 0, []
    while day <= date(YEAR + 1, 12, 31):
        n += is_workday(day)
        rows.append(f"{day.isoformat()}\t{n}")
        day += timedelta(days=1)
    with connection.cursor() as c:
        c.execute("CREATE TABLE bench_workday (d date PRIMARY KEY, n int)")
    copy("bench_workday", "d,n", rows)


LOCAL = "(({col}) AT TIME ZONE 'Asia/Shanghai')::date"
FACTS = f"""
SELECT m.id, {LOCAL.format(col="m.submitted_at")} AS day, m.office_id, coalesce(m.unit_id, 0) AS unit_id,
  m.board_id, m.domain_id, m.kind_id, coalesce(m.region_id, 0) AS region_id,
  coalesce(rp.parent_id, rr.parent_id, rr.id, 0) AS top_region,
  (m.published_at IS NOT NULL)::int AS published, (m.status='rejected')::int AS rejected,
  (m.status='merged')::int AS merged, (m.accepted_at IS NOT NULL)::int AS accepted,
  (m.return_count > 0)::int AS returned, (m.replied_at IS NOT NULL)::int AS replied,
  (m.status IN ('replied','closed'))::int AS answered, (m.status='closed')::int AS closed,
  (m.status IN ('replied','closed') AND {LOCAL.format(col="m.replied_at")} <= m.reply_due)::int AS on_time,
  (m.reopen_count > 0)::int AS reopened,
  CASE WHEN m.first_reply_at IS NOT NULL THEN wf.n - ws.n END AS first_days,
  CASE WHEN m.status IN ('replied','closed') THEN wr.n - ws.n END AS final_days,
  coalesce(e.eval_n, 0) AS eval_n, coalesce(e.solved, 0) AS solved_sum,
  coalesce(e.attitude, 0) AS attitude_sum, coalesce(e.speed, 0) AS speed_sum, coalesce(e.good, 0) AS good_n
FROM lifecycle_message m
JOIN bench_workday ws ON ws.d = {LOCAL.format(col="m.submitted_at")}
LEFT JOIN organizations_region rr ON rr.id = m.region_id
LEFT JOIN organizations_region rp ON rp.id = rr.parent_id
LEFT JOIN bench_workday wf ON wf.d = {LOCAL.format(col="m.first_reply_at")}
LEFT JOIN bench_workday wr ON wr.d = {LOCAL.format(col="m.replied_at")}
LEFT JOIN (SELECT message_id, count(*) AS eval_n, sum(solved) AS solved, sum(attitude) AS attitude,
           sum(speed) AS speed, sum((solved+attitude+speed >= 12)::int) AS good
           FROM lifecycle_evaluation GROUP BY message_id) e ON e.message_id = m.id
"""


def rebuild_rollups(manage: Path = ROOT / "manage.py") -> tuple[float, float]:
    """The product's rebuild, as an operator runs it; (seconds, peak RSS in MB) of that process."""
    import resource

    from django.db import connection

    connection.close()  # the child works on the database alone
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    subprocess.run([sys.executable, str(manage), "rebuild_rollups"], check=True, cwd=manage.parent)
    took = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB, largest child so far
    if peak <= before:
        print("  (peak RSS not above an earlier child's: figure is an upper bound)")
    with connection.cursor() as c:
        c.execute("ANALYZE analytics_rollup")
        c.execute("SELECT grain, count(*) FROM analytics_rollup GROUP BY grain ORDER BY grain")
        print("  rollup rows:", dict(c.fetchall()))
    return took, peak / 1024


YEAR_SQL = (
    f"m.submitted_at >= '{YEAR}-01-01 00:00+08' AND m.submitted_at < '{YEAR + 1}-01-01 00:00+08'"
)
DIRECT = {
    "headline": f"""SELECT count(*), sum(replied), sum(on_time), sum(final_days), sum(eval_n), sum(solved_sum),
        percentile_disc(0.5) WITHIN GROUP (ORDER BY final_days), avg(first_days),
        percentile_disc(0.5) WITHIN GROUP (ORDER BY first_days),
        sum(published), sum(accepted), sum(answered), sum(closed), sum(reopened), sum(returned), sum(good_n)
        FROM ({FACTS} WHERE {YEAR_SQL}) f""",
    "domain_by_year": f"""SELECT extract(year FROM m.submitted_at AT TIME ZONE 'Asia/Shanghai'), m.domain_id, count(*)
        FROM lifecycle_message m WHERE m.submitted_at >= '{YEAR - 1}-01-01 00:00+08'
        AND m.submitted_at < '{YEAR + 1}-01-01 00:00+08' GROUP BY 1, 2""",
    "domain_region": f"""SELECT m.domain_id, coalesce(p.parent_id, r.parent_id, r.id), count(*)
        FROM lifecycle_message m LEFT JOIN organizations_region r ON r.id = m.region_id
        LEFT JOIN organizations_region p ON p.id = r.parent_id WHERE {YEAR_SQL} GROUP BY 1, 2""",
    "kinds": f"SELECT m.kind_id, count(*) FROM lifecycle_message m WHERE {YEAR_SQL} GROUP BY 1",
    "months": f"""SELECT date_trunc('month', m.submitted_at AT TIME ZONE 'Asia/Shanghai'), count(*),
        count(m.replied_at) FROM lifecycle_message m WHERE {YEAR_SQL} GROUP BY 1""",
    "boards": f"""SELECT m.board_id, count(*), count(m.replied_at) FROM lifecycle_message m
        WHERE {YEAR_SQL} GROUP BY 1 ORDER BY 2 DESC LIMIT 10""",
    "bodies_index": f"""SELECT office_id, count(*), sum(accepted), sum(replied), sum(on_time), sum(answered),
        sum(final_days), sum(eval_n), sum(solved_sum + attitude_sum + speed_sum), sum(reopened)
        FROM ({FACTS} WHERE {YEAR_SQL}) f GROUP BY 1""",
}


def run_direct() -> dict[str, list[tuple[Any, ...]]]:
    from django.db import connection

    out = {}
    with connection.cursor() as c:
        c.execute("SET max_parallel_workers_per_gather = 0")  # the machine is shared; 1 core each
        for name, sql in DIRECT.items():
            t = time.perf_counter()
            c.execute(sql)
            out[name] = c.fetchall()
            print(f"    direct {name:15s} {time.perf_counter() - t:7.2f} s", flush=True)
    return out


def _cube(grain: str, dim: str, extra: str = "") -> dict[tuple[Any, ...], tuple[int, ...]]:
    """Year totals of the product's month cube ``grain``, keyed by ``dim``."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute(
            f"SELECT {dim}, sum(received){extra} FROM analytics_rollup WHERE grain = %s "
            f"AND period >= '{YEAR}-01-01' AND period < '{YEAR + 1}-01-01' GROUP BY {dim}",
            [grain],
        )
        n = len(dim.split(","))
        return {tuple(r[:n]): tuple(int(x) for x in r[n:]) for r in c.fetchall()}


def compare(summary: Any, direct: dict[str, list[tuple[Any, ...]]]) -> int:
    """Print every figure from the rollups next to the same from the messages; the number differing."""
    t, h = summary.totals, direct["headline"][0]
    pairs: list[tuple[str, Any, Any]] = [
        ("received", t["received"], h[0]),
        ("replied", t["replied"], h[1]),
        ("on_time", t["on_time"], h[2]),
        ("final_days", t["final_days"], h[3]),
        ("eval_n", t["eval_n"], h[4]),
        ("solved_sum", t["solved_sum"], h[5]),
        ("median_final", summary["median_final"].value, h[6]),
        ("avg_first", round(t["first_days"] / t["first_n"], 6), round(float(h[7]), 6)),
        ("median_first", summary["median_first"].value, h[8]),
        ("published", t["published"], h[9]),
        ("accepted", t["accepted"], h[10]),
        ("answered", t["answered"], h[11]),
        ("closed", t["closed"], h[12]),
        ("reopened", t["reopened"], h[13]),
        ("returned", t["returned"], h[14]),
        ("good_n", t["good_n"], h[15]),
    ]
    diffs = 0
    for name, a, b in pairs:
        ok = float(a or 0) == float(b or 0)
        diffs += not ok
        print(f"  {name:13s} rollups {a!s:>12} direct {b!s:>12} {'OK' if ok else 'DIFF'}")
    tables = {
        "per kind": (_cube("k", "kind_id"), {(k,): (n,) for k, n in direct["kinds"]}),
        "per domain x province": (
            _cube("r", "domain_id, region_id"),
            {(d, r or 0): (n,) for d, r, n in direct["domain_region"]},
        ),
        "per month (received, replied)": (
            _cube("m", "period", ", sum(replied)"),
            {(m.date(),): (n, r) for m, n, r in direct["months"]},
        ),
        "per board, top 10": (
            _cube("b", "board_id", ", sum(replied)"),
            {(b,): (n, r) for b, n, r in direct["boards"]},
        ),
    }
    for name, (rolled, straight) in tables.items():
        if name == "per board, top 10":
            rolled = {k: rolled.get(k) for k in straight}  # direct keeps the 10 largest only
        ok = rolled == straight
        diffs += not ok
        print(f"  {name:30s} {len(straight):5d} cells {'OK' if ok else 'DIFF'}")
    return diffs


def generate_all(messages: int, previous: float, manage: Path) -> None:
    from django.core.management import call_command

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    directory = build_directory(np.random.default_rng(7))
    workday_table()
    print(f"setup {time.perf_counter() - t0:.1f}s", flush=True)
    t0 = time.perf_counter()
    load_messages(messages, previous, directory)
    print(f"load {time.perf_counter() - t0:.1f}s", flush=True)
    took, peak = rebuild_rollups(manage)
    print(
        f"REBUILD manage.py rebuild_rollups (product code): {took:.1f} s, peak RSS {peak:.0f} MB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1_000_000, help="messages received in 2024")
    parser.add_argument(
        "--previous", type=float, default=0.25, help="2023 volume as a share of 2024's"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="time an existing bench database only")
    parser.add_argument(
        "--rebuild", action="store_true", help="with --reuse: run the rebuild again first"
    )
    parser.add_argument(
        "--manage",
        type=Path,
        default=ROOT / "manage.py",
        help="manage.py of the checkout whose rebuild_rollups to run (e.g. an older commit)",
    )
    args = parser.parse_args()
    drop = prepare_database(fresh=not args.reuse)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from liuyanban.analytics import reports
    from liuyanban.analytics.selectors import Period, Scope

    if not args.reuse:
        generate_all(args.messages, args.previous, args.manage)
    elif args.rebuild:
        took, peak = rebuild_rollups(args.manage)
        print(f"REBUILD {args.manage} rebuild_rollups: {took:.1f} s, peak RSS {peak:.0f} MB")
    with connection.cursor() as c:
        c.execute("SET max_parallel_workers_per_gather = 0")
        c.execute("SELECT count(*) FROM lifecycle_message")
        count = c.fetchone()[0]
        print(f"messages in the database: {count:,}", flush=True)

    period = Period.year(YEAR)
    lo, med, report = best(lambda: reports.build(Scope(), period), args.runs)
    print(
        f"\nROLLUPS national {YEAR} report (reports.build): best {lo * 1000:.0f} ms, median {med * 1000:.0f} ms"
    )
    from liuyanban.organizations.models import Organization, Region

    province = Region.objects.filter(parent=None).order_by("code").first()
    gov = Organization.objects.filter(code=f"{province.code}-zf").first() if province else None
    for label, scope in (
        ("province region", Scope(region=province)),
        ("province body", Scope(office=gov)),
    ):
        lo_s, med_s, _r = best(lambda scope=scope: reports.build(scope, period), args.runs)
        print(
            f"ROLLUPS {label} report (full month rows): best {lo_s * 1000:.0f} ms, median {med_s * 1000:.0f} ms"
        )
    with connection.cursor() as c:
        c.execute("SELECT grain, count(*) FROM analytics_rollup GROUP BY grain ORDER BY grain")
        print("rollup rows per grain:", dict(c.fetchall()))
    setup_test_environment()
    client = Client()
    lo_p, med_p, response = best(lambda: client.get(f"/stats/?year={YEAR}"), args.runs)
    print(
        f"ROLLUPS /stats/?year={YEAR} page ({len(response.content):,} bytes, status {response.status_code}): "
        f"best {lo_p * 1000:.0f} ms, median {med_p * 1000:.0f} ms"
    )

    print("\nDIRECT from lifecycle_message (same figures, one query per table):")
    t = time.perf_counter()
    direct = run_direct()
    print(f"DIRECT total {time.perf_counter() - t:.2f} s")

    diffs = compare(report.summary, direct)
    print(
        f"\nEVIDENCE: synthetic data ({count:,} messages generated by this script), "
        f"PostgreSQL on this machine; rollups built by the product's rebuild; "
        f"{diffs} figure(s) differ between rollups and messages"
    )
    if not args.keep and not args.reuse:
        connection.close()
        base, name = drop.split(" ")
        subprocess.run(["psql", base, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=False)


if __name__ == "__main__":
    main()
