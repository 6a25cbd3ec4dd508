"""Production's static storage: the manifest's URLs, each worked out once, misses still refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liuyanban.core.staticfiles import ManifestStaticFilesStorage


def test_urls_come_from_the_manifest_and_are_kept(tmp_path: Path) -> None:
    manifest = {"paths": {"css/site.css": "css/site.0123abcd.css"}, "version": "1.1"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    storage = ManifestStaticFilesStorage(location=str(tmp_path), base_url="/static/")
    assert storage.url("css/site.css") == "/static/css/site.0123abcd.css"
    assert storage._urls == {"css/site.css": "/static/css/site.0123abcd.css"}
    # Kept: the second answer is the first, without the manifest.
    storage.hashed_files = {}
    assert storage.url("css/site.css") == "/static/css/site.0123abcd.css"
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")
    assert "css/missing.css" not in storage._urls
