"""Tests that need PostgreSQL itself (pg_terminate_backend, row locks under many threads,
several processes on one database) are not collected on SQLite; the SQLite side of the
same code is tested in their sibling files (test_background_work.py, test_ratelimit.py)."""

import os

POSTGRES_ONLY = ["test_fault_soak.py", "test_limits_postgres.py"]

collect_ignore = [] if os.environ.get("DATABASE_URL", "").startswith("postgres") else POSTGRES_ONLY
