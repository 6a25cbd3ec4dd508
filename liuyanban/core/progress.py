"""Progress for long management commands: counts, rate and time left, only on a terminal.

One helper for every long command, so they all look and behave alike::

    with progress(total=n, desc="rollups", unit="msg", file=self.stderr) as bar:
        for batch in work():
            bar.update(len(batch))

The bar (``tqdm``) goes to ``file`` (stderr by default) and is silent when that stream
is not a terminal (cron, logs, pipes, tests), so captured output holds only the
command's summary lines.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any, Protocol

from django.core.management.base import OutputWrapper
from tqdm import tqdm


def is_terminal(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


@contextmanager
def progress(
    *, total: int | None, desc: str, unit: str = "it", file: IO[str] | Any | None = None
) -> Iterator[tqdm]:
    """A progress bar over ``total`` units (``None``: count and rate only, no time left)."""
    out = file if file is not None else sys.stderr
    # A command's self.stderr (Django's OutputWrapper) appends a newline to every write,
    # which would stack the bar's redraws: write to the stream it wraps instead.
    if isinstance(out, OutputWrapper):
        out = out._out
    bar = tqdm(
        total=total,
        desc=desc,
        unit=unit,
        file=out,
        disable=not is_terminal(out),
        dynamic_ncols=True,
        mininterval=0.5,
    )
    try:
        yield bar
    finally:
        bar.close()


class Tracker(Protocol):
    """What domain code may call on a bar it is handed (a ``tqdm`` satisfies it)."""

    def update(self, n: float | None = 1) -> bool | None: ...

    def reset(self, total: float | None = None) -> None: ...


def begin(tracker: Tracker | None, total: int) -> None:
    """Tell ``tracker`` (if any) the size of the work, once the domain code knows it."""
    if tracker is not None:
        tracker.reset(total=total)


def advance(tracker: Tracker | None, n: int = 1) -> None:
    if tracker is not None:
        tracker.update(n)
