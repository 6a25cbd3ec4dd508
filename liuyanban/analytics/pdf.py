"""Printing the report page to PDF with headless Chromium.

Chromium runs the page's own JavaScript, so the PDF shows the same charts and
tables as the HTML report. The page's ``/static/`` links are rewritten to local
``file://`` paths so Chromium needs no web server and never reaches the network.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
STATIC_LINK = re.compile(r'(href|src)="' + re.escape(settings.STATIC_URL) + r'([^"?#]+)[^"]*"')


class PdfUnavailable(RuntimeError):
    """No browser to print with, or it failed."""


def _browser() -> str:
    configured = settings.LIUYANBAN.get("CHROMIUM")
    for name in ([configured] if configured else []) + list(CHROMIUM_CANDIDATES):
        path = shutil.which(name)
        if path:
            return path
    raise PdfUnavailable("chromium not found")


def sandbox_flags() -> list[str]:
    """Chromium's own sandbox wherever it can run: not as root, where Chromium refuses it.

    ``LIUYANBAN["CHROMIUM_SANDBOX"]``: "auto" (default: sandboxed unless running as
    root), "on" or "off" (for containers without user namespaces). Running the worker
    as an unprivileged user is the way to get the sandbox; see docs/reports-pdf.md.
    """
    mode = str(settings.LIUYANBAN.get("CHROMIUM_SANDBOX", "auto")).lower()
    if mode == "on":
        return []
    if mode == "off" or os.geteuid() == 0:
        return ["--no-sandbox"]
    return []


def _localise(html: str) -> str:
    """Point static links at the files on disk (unknown files are dropped)."""

    def repl(match: re.Match[str]) -> str:
        found = finders.find(match.group(2))
        path = found if isinstance(found, str) else None
        return f'{match.group(1)}="{Path(path).as_uri()}"' if path else f'{match.group(1)}=""'

    return STATIC_LINK.sub(repl, html)


def html_to_pdf(html: str, timeout: float = 60) -> bytes:
    """Print ``html`` (a full page) to PDF bytes."""
    browser = _browser()
    with tempfile.TemporaryDirectory(prefix="liuyanban-pdf-") as tmp:
        page, out = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        page.write_text(_localise(html), encoding="utf-8")
        command = [
            browser,
            "--headless",
            *sandbox_flags(),
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--user-data-dir={tmp}/profile",
            "--no-pdf-header-footer",
            # Let the charts draw before printing (they do not animate in print).
            "--virtual-time-budget=4000",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PdfUnavailable("chromium timed out") from exc
        if not out.exists() or not out.read_bytes().startswith(b"%PDF"):
            raise PdfUnavailable("chromium produced no PDF")
        return out.read_bytes()
