"""For bench scripts that run product code on a loaded database and keep nothing.

``setup()`` puts the project on the path and starts Django; ``rolled_back()`` runs its
block in a transaction that is always rolled back, so a bench can call actions, builds
and training on a database it measures again later.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")
    import django

    django.setup()


class _RollBack(Exception):
    pass


@contextmanager
def rolled_back() -> Iterator[None]:
    from django.db import transaction

    try:
        with transaction.atomic():
            yield
            raise _RollBack
    except _RollBack:
        pass
