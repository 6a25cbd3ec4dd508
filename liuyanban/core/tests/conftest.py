"""The fault soak needs PostgreSQL (pg_terminate_backend, several processes on one database):
on SQLite it is not collected at all."""

import os

collect_ignore = (
    [] if os.environ.get("DATABASE_URL", "").startswith("postgres") else ["test_fault_soak.py"]
)
