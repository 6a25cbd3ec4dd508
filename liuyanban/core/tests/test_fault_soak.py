"""A short fault soak in CI: the production stack keeps every acknowledged message and finishes
its background work while its processes and database connections are killed.

Runs ``bench/fault_soak.py`` for 45 seconds on a database of its own (DATABASE_URL's name +
``_soak``); collected only on PostgreSQL (see conftest.py).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.postgres_only

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_nothing_acknowledged_is_lost_and_no_work_is_left_behind() -> None:
    database = os.environ["DATABASE_URL"].rstrip("/") + "_soak"
    port = os.environ.get("SOAK_PORT") or str(_free_port())
    options = {
        "--seconds": "45",
        "--writers": "20",
        "--port": port,
        "--database": database,
        "--drain-timeout": "240",
    }
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "fault_soak.py"), *sum(options.items(), ())],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, run.stdout[-3000:] + run.stderr[-3000:]
    result = json.loads(lines[-1].removeprefix("RESULT "))
    assert result["acknowledged"] > 0
    assert sum(result["faults injected"].values()) >= 2
    assert result["lost"] == 0
    assert result["duplicates"] == 0
    assert result["messages without analysis"] == 0
    assert result["tasks stuck RUNNING"] == 0
    assert result["events not folded"] == 0
    assert result["rollups equal a rebuild"] is True
    assert run.returncode == 0, run.stdout[-3000:]
