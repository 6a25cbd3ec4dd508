"""PDF reports: printed in the background, one Chromium at a time, cached, throttled."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from liuyanban.analytics import pdf_jobs, pdf_printing, rollups
from liuyanban.analytics.models import PdfState, ReportPdf
from liuyanban.lifecycle.models import Status
from liuyanban.testing.world import World, build_world, today


class FakePrinter:
    """Stands in for Chromium: counts prints and the most that ever ran at once."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds
        self.calls = 0
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def __call__(self, html: str, timeout: float = 60) -> bytes:
        with self.lock:
            self.calls += 1
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(self.seconds)
        with self.lock:
            self.running -= 1
        return b"%PDF-1.4 fake " + str(len(html)).encode()


@pytest.fixture
def printer(monkeypatch: pytest.MonkeyPatch) -> FakePrinter:
    fake = FakePrinter()
    monkeypatch.setattr(pdf_printing, "html_to_pdf", fake)
    return fake


def _url(world: World, year: int | None = None) -> str:
    year = year or today().year
    query = f"?office={world.province.code}&start={year}-01-01&end={year}-12-31"
    return reverse("web:stats_report_download", args=["pdf"]) + query


def test_the_page_says_it_is_being_prepared_then_offers_the_file(
    client: Client, world: World, printer: FakePrinter, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(_url(world))
    assert first.status_code == 202
    html = first.content.decode()
    assert "报告正在生成" in html and 'hx-trigger="every 2s"' in html
    assert first["Cache-Control"] == "no-store"
    # The poll (htmx) now finds it printed and offers the download.
    poll = client.get(_url(world), headers={"HX-Request": "true"})
    assert "下载 PDF 报告" in poll.content.decode() and "every 2s" not in poll.content.decode()
    download = client.get(_url(world))
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    assert download["Content-Type"] == "application/pdf"
    assert printer.calls == 1


def test_a_second_request_is_served_from_the_cache_until_the_data_changes(
    client: Client, world: World, printer: FakePrinter, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client.get(_url(world))
    assert client.get(_url(world)).status_code == 200
    assert Client().get(_url(world)).status_code == 200  # another visitor, same file
    assert printer.calls == 1
    # New data folded into the rollups: a new version of the report.
    world.message_in(Status.PUBLISHED)
    rollups.catch_up()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(_url(world)).status_code == 202
    assert client.get(_url(world)).status_code == 200
    assert printer.calls == 2 and ReportPdf.objects.count() == 2


def test_the_shared_pdf_holds_nobody_s_name(
    client: Client, world: World, printer: FakePrinter
) -> None:
    client.force_login(world.alice)
    client.get(_url(world))
    job = ReportPdf.objects.get()
    assert world.alice.public_name not in job.html
    assert "登录" in job.html  # rendered as a stranger sees it
    assert job.anonymous is False


def test_anonymous_callers_are_throttled(
    client: Client, world: World, printer: FakePrinter, settings: Any
) -> None:
    settings.LIUYANBAN = {**settings.LIUYANBAN, "PDF_ANON_PER_WINDOW": 2}
    year = today().year
    assert client.get(_url(world, year)).status_code == 202
    assert client.get(_url(world, year - 1)).status_code == 202
    refused = client.get(_url(world, year - 2))
    assert refused.status_code == 429
    assert "过于频繁" in refused.content.decode()
    # Asking again for a report already queued costs nothing; a signed-in user is not throttled.
    assert client.get(_url(world, year)).status_code == 202
    client.force_login(world.ann)
    assert client.get(_url(world, year - 2)).status_code == 202


def test_a_failed_print_says_so_and_is_retried_later(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from liuyanban.analytics.pdf import PdfUnavailable

    def broken(html: str, timeout: float = 60) -> bytes:
        raise PdfUnavailable("chromium not found")

    monkeypatch.setattr(pdf_printing, "html_to_pdf", broken)
    client.get(_url(world))
    job = ReportPdf.objects.get()
    assert pdf_printing.render(job.pk, wait=1) == PdfState.FAILED
    page = client.get(_url(world))
    assert page.status_code == 503 and "暂时无法生成 PDF" in page.content.decode()
    ReportPdf.objects.update(finished_at=job.created_at - pdf_jobs.RETRY_AFTER)
    client.get(_url(world))
    assert ReportPdf.objects.get().state == PdfState.PENDING


def _sqlite() -> bool:
    # SQLite serialises writers ("database table is locked" between threads); the
    # PostgreSQL run (CI) covers the threaded database tests, the lock test runs on both.
    return connection.vendor == "sqlite"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_n_concurrent_requests_make_one_print(monkeypatch: pytest.MonkeyPatch) -> None:
    if _sqlite():
        return
    printer = FakePrinter(seconds=0.3)
    monkeypatch.setattr(pdf_printing, "html_to_pdf", printer)
    world = build_world()
    url = _url(world)
    n = 8
    barrier = threading.Barrier(n)
    codes: list[int] = []

    def ask() -> None:
        try:
            barrier.wait()
            codes.append(Client().get(url).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(codes) == n and set(codes) <= {200, 202}
    assert ReportPdf.objects.count() == 1
    assert printer.calls == 1
    assert Client().get(url).status_code == 200


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_never_two_chromiums_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    if _sqlite():
        return
    printer = FakePrinter(seconds=0.2)
    monkeypatch.setattr(pdf_printing, "html_to_pdf", printer)
    jobs = [
        ReportPdf.objects.create(key=f"k{i}", html="<html></html>", params={}) for i in range(4)
    ]
    states: list[str] = []

    def run(pk: int) -> None:
        try:
            states.append(pdf_printing.render(pk, wait=30))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job.pk,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert states == [PdfState.READY] * 4
    assert printer.calls == 4 and printer.most == 1


@pytest.mark.django_db(transaction=True)
def test_a_busy_lock_makes_the_worker_requeue_not_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    from liuyanban.core.locks import LockBusy, exclusive

    job = ReportPdf.objects.create(key="busy", html="<html></html>", params={})
    with exclusive(pdf_printing.LOCK_NAME), pytest.raises(LockBusy):
        # Another thread (its own connection / file handle) finds the lock taken.
        outcome: list[BaseException] = []

        def other() -> None:
            try:
                pdf_printing.render(job.pk, wait=0)
            except BaseException as exc:
                outcome.append(exc)
            finally:
                connection.close()

        t = threading.Thread(target=other)
        t.start()
        t.join()
        raise outcome[0]
    assert ReportPdf.objects.get(pk=job.pk).state == PdfState.PENDING


@pytest.mark.django_db
def test_the_lock_admits_one_holder_at_a_time() -> None:
    from liuyanban.core.locks import exclusive

    if not _sqlite():
        return  # on PostgreSQL the advisory lock is covered by the tests above
    inside, most, guard = [0], [0], threading.Lock()

    def hold() -> None:
        with exclusive("test-lock", wait=10, poll=0.01):
            with guard:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.05)
            with guard:
                inside[0] -= 1

    threads = [threading.Thread(target=hold) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_anonymous_requests_cannot_pass_the_throttle_together(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    if _sqlite():
        return
    monkeypatch.setattr(pdf_printing, "html_to_pdf", FakePrinter())
    settings.LIUYANBAN = {**settings.LIUYANBAN, "PDF_ANON_PER_WINDOW": 3}
    world = build_world()
    year = today().year
    urls = [_url(world, year - i) for i in range(8)]
    barrier = threading.Barrier(len(urls))
    codes: list[int] = []

    def ask(url: str) -> None:
        try:
            barrier.wait()
            codes.append(Client().get(url).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(u,)) for u in urls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200] * codes.count(200) + [202] * codes.count(202) + [429] * 5
    assert ReportPdf.objects.count() == 3


def test_asking_again_for_a_queued_report_costs_nothing(
    client: Client, world: World, printer: FakePrinter, settings: Any
) -> None:
    settings.LIUYANBAN = {**settings.LIUYANBAN, "PDF_ANON_PER_WINDOW": 1}
    for _ in range(5):
        assert client.get(_url(world)).status_code == 202
    assert client.get(_url(world, today().year - 1)).status_code == 429
