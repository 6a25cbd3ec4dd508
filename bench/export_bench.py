"""Export benchmark: 1 million messages to CSV and XLSX; time and peak memory.

Usage: .venv/bin/python bench/export_bench.py [--messages 1000000] [--keep DIR]

Builds a fresh SQLite database in a temporary directory (migrations, one board,
bulk_create of messages with a final reply for half and a rating for a quarter),
then runs each export in its own process and reports wall time and that
process's peak RSS (resource.getrusage), so the figures are not blurred by the
data generation.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(db: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["LIUYANBAN_VAR"] = str(db.parent)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")
    import django

    django.setup()


def generate(n: int) -> None:
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from liuyanban.accounts.models import User
    from liuyanban.lifecycle.models import Evaluation, Message, Reply
    from liuyanban.organizations.models import Board, Organization
    from liuyanban.taxonomy.models import Domain, Kind

    call_command("migrate", verbosity=0)
    with connection.cursor() as c:
        c.execute("PRAGMA synchronous=OFF")
    org = Organization.objects.create(
        code="B", name="示范区人民政府", kind="government", level="county"
    )
    unit = Organization.objects.create(
        code="B-u", name="示范区住建局", kind="department", level="county", parent=org
    )
    board = Board.objects.create(code="b", name="示范区区长", kind="leader", organization=org)
    citizen = User.objects.create_user(username="bench", password="x")
    domains = list(Domain.objects.filter(level=1).values_list("pk", flat=True))
    kinds = list(Kind.objects.values_list("pk", flat=True))
    now = timezone.now()
    batch = 20_000
    started = time.perf_counter()
    for start in range(0, n, batch):
        with transaction.atomic():
            rows = [
                Message(
                    tracking_number=f"LB{i:010d}",
                    board=board,
                    office=org,
                    unit=unit,
                    domain_id=domains[i % len(domains)],
                    kind_id=kinds[i % len(kinds)],
                    author=citizen,
                    title="幸福路路灯不亮",
                    body="幸福路从一号到九号的路灯已经三个月不亮了，晚上出行很不安全，请尽快修复。",
                    public_title="幸福路路灯不亮",
                    public_body="幸福路从一号到九号的路灯已经三个月不亮了，晚上出行很不安全，请尽快修复。",
                    status="closed" if i % 2 else "in_handling",
                    resolution="solved" if i % 2 else "",
                    submitted_at=now - timedelta(minutes=i),
                    published_at=now - timedelta(minutes=i),
                )
                for i in range(start, min(start + batch, n))
            ]
            created = Message.objects.bulk_create(rows, batch_size=2000)
            ids = [m.pk for m in created if m.status == "closed"]
            Reply.objects.bulk_create(
                [
                    Reply(
                        message_id=pk,
                        organization=unit,
                        kind="final",
                        state="published",
                        body="已修复。",
                        public_body="经核实，路灯线路老化，已更换并恢复照明。",
                        resolution="solved",
                        created_at=now,
                        published_at=now,
                    )
                    for pk in ids
                ],
                batch_size=2000,
            )
            Evaluation.objects.bulk_create(
                [
                    Evaluation(
                        message_id=pk, author=citizen, solved=4, attitude=5, speed=3, created_at=now
                    )
                    for pk in ids[::2]
                ],
                batch_size=2000,
            )
    print(f"generated {n:,} messages in {time.perf_counter() - started:.1f} s")


def export(fmt: str, out: Path) -> None:
    from liuyanban.api.exporting import stream_csv, write_xlsx
    from liuyanban.lifecycle.models import Message

    started = time.perf_counter()
    if fmt == "csv":
        with open(out, "wb") as f:
            for chunk in stream_csv(Message.objects.all()):
                f.write(chunk)
    else:
        write_xlsx(Message.objects.all(), str(out))
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{fmt}: {elapsed:.1f} s, peak RSS {peak_mb:.0f} MB, file {out.stat().st_size / 1e6:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--keep", help="directory to keep the database in")
    parser.add_argument("--export", choices=["csv", "xlsx"], help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export:  # child process: one export
        setup(Path(args.db))
        export(args.export, Path(args.db).parent / f"export.{args.export}")
        return
    workdir = Path(args.keep or tempfile.mkdtemp(prefix="liuyanban-exportbench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "bench.sqlite3"
    if db.exists():
        db.unlink()
    setup(db)
    generate(args.messages)
    for fmt in ("csv", "xlsx"):
        subprocess.run(
            [sys.executable, __file__, "--export", fmt, "--db", str(db)], check=True, cwd=ROOT
        )
    if args.keep:
        print(f"data in {workdir}")
    else:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
