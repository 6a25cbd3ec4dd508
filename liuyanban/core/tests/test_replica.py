"""Which database a request reads from, the pool settings and the persisted secret key.

The real replica is exercised end to end in test_scaleout.py; here the routing
rules themselves, on any database.
"""

from __future__ import annotations

import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from liuyanban import settings as project_settings
from liuyanban.accounts.models import User
from liuyanban.core import replica
from liuyanban.lifecycle.models import Message

router = replica.ReplicaRouter()


def _serve(request: HttpRequest) -> tuple[dict[str, str], HttpResponse]:
    """Run the request through the middleware; note where the view's reads would go."""
    seen: dict[str, str] = {}

    def view(req: HttpRequest) -> HttpResponse:
        seen["message"] = router.db_for_read(Message)
        seen["user"] = router.db_for_read(User)
        return HttpResponse("ok")

    response = replica.ReplicaMiddleware(view)(request)
    return seen, response


@pytest.fixture
def with_replica(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replica, "replica_configured", lambda: True)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/boards/east/",
        "/messages/LY20250101000001/",
        "/search/?q=路灯",
        "/stats/",
        "/stats/report/csv/",
        "/hot/",
        "/directory/",
        "/campaigns/",
        "/campaigns/3/results.csv",
        "/open311/v2/requests.json",
        "/api/v1/messages",
        "/api/v1/exports/messages.csv",
    ],
)
def test_public_reads_search_statistics_and_exports_come_from_the_replica(
    with_replica: None, path: str
) -> None:
    seen, _ = _serve(RequestFactory().get(path))
    assert seen["message"] == "replica"
    # Who is logged in, and their roles, are always read fresh from the primary.
    assert seen["user"] == "default"


@pytest.mark.parametrize(
    "path",
    [
        "/work/",
        "/work/messages/LY20250101000001/",
        "/me/messages/",
        "/write/",
        "/messages/LY20250101000001/support/",
        "/campaigns/3/review/",
        "/accounts/login/",
        "/admin/",
        "/api/v1/webhooks/deliveries",
    ],
)
def test_staff_own_and_form_pages_read_from_the_primary(with_replica: None, path: str) -> None:
    seen, _ = _serve(RequestFactory().get(path))
    assert seen["message"] == "default"


def test_a_write_pins_the_writer_to_the_primary_for_a_while(
    with_replica: None, settings: Any
) -> None:
    settings.REPLICA_PIN_SECONDS = 15
    seen, response = _serve(RequestFactory().post("/messages/LY20250101000001/support/"))
    assert seen["message"] == "default"
    cookie = response.cookies[replica.PIN_COOKIE]
    assert cookie["max-age"] == 15 and cookie["httponly"]

    # Their next public page, carrying the cookie, reads the primary: they see their write.
    request = RequestFactory().get("/messages/LY20250101000001/")
    request.COOKIES[replica.PIN_COOKIE] = "1"
    seen, response = _serve(request)
    assert seen["message"] == "default"
    assert replica.PIN_COOKIE not in response.cookies
    # Everyone else still reads the replica.
    seen, _ = _serve(RequestFactory().get("/messages/LY20250101000001/"))
    assert seen["message"] == "replica"


def test_without_a_replica_everything_uses_the_primary_and_no_cookie_is_set() -> None:
    seen, _ = _serve(RequestFactory().get("/"))
    assert seen == {"message": "default", "user": "default"}
    _, response = _serve(RequestFactory().post("/write/"))
    assert replica.PIN_COOKIE not in response.cookies


def test_a_streamed_export_keeps_reading_where_its_view_did(with_replica: None) -> None:
    # The body of a StreamingHttpResponse is produced after the middleware returned.
    _serve(RequestFactory().get("/api/v1/exports/messages.csv"))
    assert router.db_for_read(Message) == "replica"
    # The next request in the same thread starts afresh.
    _serve(RequestFactory().get("/work/"))
    assert router.db_for_read(Message) == "default"


def test_the_flag_belongs_to_one_thread(with_replica: None) -> None:
    _serve(RequestFactory().get("/"))
    other: list[str] = []
    thread = threading.Thread(target=lambda: other.append(router.db_for_read(Message)))
    thread.start()
    thread.join()
    assert other == ["default"]


def test_writes_and_migrations_go_to_the_primary_only() -> None:
    with replica.reads_from_replica():
        assert router.db_for_write(Message) == "default"
    assert router.allow_migrate("default", "lifecycle") is True
    assert router.allow_migrate("replica", "lifecycle") is False


def test_postgres_connections_come_from_a_pool_sized_to_the_web_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(project_settings, "DB_POOL_MAX", 6)
    config = project_settings.database("postgres://postgres@127.0.0.1:5432/lyb")
    assert config["CONN_MAX_AGE"] == 0  # connections go back to the pool after each request
    assert config["CONN_HEALTH_CHECKS"] is True  # a dropped connection is never handed out
    assert config["OPTIONS"]["pool"]["max_size"] == 6

    monkeypatch.setattr(project_settings, "DB_POOL_MAX", 0)
    config = project_settings.database("postgres://postgres@127.0.0.1:5432/lyb")
    assert "pool" not in config["OPTIONS"] and config["CONN_MAX_AGE"] == 600


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    config = project_settings.database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert "pool" not in config["OPTIONS"]


def test_a_secret_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    first = project_settings.persisted_secret_key(path)
    assert len(first) >= 50
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert project_settings.persisted_secret_key(path) == first


def test_run_worker_starts_with_redis_as_the_queue(settings: Any) -> None:
    # db_worker's --backend option refused any backend but the database one, so
    # `run_worker` exited at once whenever REDIS_URL made RQ the queue.
    from liuyanban.core.management.commands.run_worker import Command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    options = Command().create_parser("manage.py", "run_worker").parse_args(["--worker-id", "w1"])
    assert options.worker_id == "w1"
