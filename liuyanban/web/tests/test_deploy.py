"""Production settings pass Django's deployment checks (secure cookies, HSTS, SSL redirect)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "LIUYANBAN_ENV": "production",
        "SECRET_KEY": "x" * 64 + "-production-test-key-with-enough-entropy-0123456789",
        "ALLOWED_HOSTS": "liuyanban.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path}/deploy.sqlite3",
        "LIUYANBAN_VAR": str(tmp_path),
    }
    env.pop("DEBUG", None)
    # Set by the browser tests for Playwright inside pytest; never in a deployment.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_a_secret_key_generates_one_once_and_keeps_it(tmp_path: Path) -> None:
    # `make serve` on a fresh clone: no SECRET_KEY given. The first start writes one to
    # var/secret_key (owner-only); every later process reads the same key.
    env = {**os.environ, "LIUYANBAN_ENV": "production", "LIUYANBAN_VAR": str(tmp_path)}
    env.pop("SECRET_KEY", None)
    env.pop("DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    show = "from django.conf import settings; print(settings.SECRET_KEY)"
    keys = []
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", show],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        keys.append(result.stdout.strip().splitlines()[-1])
    assert keys[0] == keys[1] == (tmp_path / "secret_key").read_text().strip()
    assert len(keys[0]) >= 50 and not keys[0].startswith("dev-only")
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_check_deploy_is_clean_with_the_scale_out_settings(tmp_path: Path) -> None:
    # PostgreSQL with its pool, a read replica and Redis: still no deployment warning.
    env = {
        **os.environ,
        "LIUYANBAN_ENV": "production",
        "SECRET_KEY": "y" * 64 + "-production-test-key-with-enough-entropy-9876543210",
        "ALLOWED_HOSTS": "liuyanban.example.org",
        "DATABASE_URL": "postgres://liuyanban@127.0.0.1:5432/liuyanban",
        "DATABASE_REPLICA_URL": "postgres://liuyanban@127.0.0.1:5433/liuyanban",
        "REDIS_URL": "redis://127.0.0.1:6379/1",
        "LIUYANBAN_VAR": str(tmp_path),
    }
    env.pop("DEBUG", None)
    env.pop("TASKS_BACKEND", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
