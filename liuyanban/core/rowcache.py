"""Per-process caches of small, rarely changed lookups that every write repeats.

Submitting and approving a message read the same board, domain, kind and deadline
rules over and over; each read is a query (and, joined into the message's lock, a
costlier plan). A ``Memo`` keeps such answers in the process for ``ttl`` seconds, the
pattern of ``lifecycle.workdays``: the process that saves or deletes a watched model
forgets at once (and again after commit), other processes (web and task workers)
within ``ttl``. Changes that bypass model signals (``QuerySet.update``, bulk loads)
are also seen within ``ttl``.

Values are handed out as copies (``copier``; a shallow ``copy.copy`` by default), so a
caller that changes one never changes what the next caller gets.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

DEFAULT_TTL = 60.0

_memos: list[Memo[object, object]] = []


class Memo(Generic[K, V]):
    """``load(key)`` remembered for ``ttl`` seconds (at most ``size`` keys, least recent out).

    ``None`` is never remembered: something created a moment ago is found at once.
    """

    def __init__(
        self,
        name: str,
        load: Callable[[K], V | None],
        *,
        watch: tuple[type[models.Model], ...] = (),
        ttl: float = DEFAULT_TTL,
        size: int = 4096,
        copier: Callable[[V], V] = copy.copy,
    ) -> None:
        self.name = name
        self._load = load
        self._copy = copier
        self._ttl = ttl
        self._size = size
        self._rows: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()
        for model in watch:
            for signal in (post_save, post_delete):
                signal.connect(self._changed, sender=model, weak=False)
        _memos.append(self)  # type: ignore[arg-type]

    def get(self, key: K) -> V | None:
        now = time.monotonic()
        with self._lock:
            hit = self._rows.get(key)
            if hit is not None and now - hit[0] < self._ttl:
                self._rows.move_to_end(key)
                return self._copy(hit[1])
        value = self._load(key)
        if value is None:
            return None
        with self._lock:
            self._rows[key] = (now, value)
            self._rows.move_to_end(key)
            while len(self._rows) > self._size:
                self._rows.popitem(last=False)
        return self._copy(value)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()

    def _changed(self, **kwargs: object) -> None:
        # Now (the rest of this transaction sees the change) and after commit (a read in
        # between cannot keep the old row).
        self.clear()
        transaction.on_commit(self.clear)


def clear_all() -> None:
    """Forget every memo (tests start from an empty process cache)."""
    for memo in _memos:
        memo.clear()
