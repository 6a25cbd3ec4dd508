"""The static files storage of production: whitenoise's, with each URL worked out once.

Whitenoise's ``CompressedManifestStaticFilesStorage`` reads its manifest once, when the
process starts; from then on a file's hashed URL cannot change. Django still works
it out anew at every ``{% static %}`` (the manifest lookup, the name's cleaning and
quoting), and the base layout names nine files on every page, so an uncached page
paid for those lookups on every request. The URL of each name is kept here after
its first use; a name the manifest lacks still raises, every time.
"""

from __future__ import annotations

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        if force or name is None:
            return str(super().url(name, force))
        found = self._urls.get(name)
        if found is None:
            found = self._urls[name] = str(super().url(name))
        return found
