"""Server time of the public message page and a board page on a large database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/liuyanban_bench \\
        .venv/bin/python bench/pages_bench.py [--repeats 300]

Run it on the database `bench/lifecycle_bench.py` loaded (1 million messages). It
renders the pages through Django's test client (the whole stack: middleware,
selectors, templates; no network) and prints p50/p95 per page.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("TASKS_BACKEND", "db")
    os.environ.setdefault("STATIC_ROOT", str(Path(__file__).resolve().parent / "out" / "static"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count

    # Production serves hashed static files from a manifest, as here.
    call_command("collectstatic", interactive=False, verbosity=0)
    from django.test import Client

    from liuyanban.lifecycle.models import PUBLIC_STATUSES, Message
    from liuyanban.organizations.models import Board

    rng = random.Random(3)
    max_id = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ids = [rng.randint(1, max_id) for _ in range(args.repeats * 3)]
    tracking = list(
        Message.objects.filter(
            pk__in=ids, status__in=PUBLIC_STATUSES, canonical__isnull=True
        ).values_list("tracking_number", flat=True)
    )[: args.repeats]
    busiest = Message.objects.values("board_id").annotate(n=Count("id")).order_by("-n")[:20]
    boards = list(
        Board.objects.filter(pk__in=[b["board_id"] for b in busiest]).values_list("code", flat=True)
    )
    client = Client(HTTP_HOST="127.0.0.1")
    for page, urls in (
        ("message page", [f"/messages/{t}/" for t in tracking]),
        (
            "board page (busiest 20 boards)",
            [f"/boards/{boards[i % len(boards)]}/" for i in range(args.repeats)],
        ),
    ):
        client.get(urls[0])  # warm the template cache
        times = []
        for url in urls:
            t = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - t)
            assert response.status_code == 200, (url, response.status_code)
        print(
            f"{page}: p50 {pct(times, 0.5):.1f} ms, p95 {pct(times, 0.95):.1f} ms (n={len(times)})"
        )


if __name__ == "__main__":
    main()
