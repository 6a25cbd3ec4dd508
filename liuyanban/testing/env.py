"""Loaded by pytest with ``-p`` before Django reads its settings: test-only environment."""

import os

os.environ.setdefault("TASKS_BACKEND", "immediate")
os.environ.setdefault("EMAIL_URL", "locmem")
