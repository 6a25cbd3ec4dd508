"""A scheduled retraining on a large database: how many messages it reads, time and peak memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lyb_42m \\
        .venv/bin/python bench/retrain_memory.py

Reads the training set (``training.labelled_messages``: the newest ``TRAINING_LIMIT``
accepted messages plus every staff correction) and trains the domain model as the weekly
task does, inside a transaction that is rolled back (no model version is kept), then
prints the rows read, the wall time and the peak RSS of this process. Kind of evidence:
synthetic data (``bench/http_bench.py load``), one run on this shared machine.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time

import rolledback

rolledback.setup()

from django.conf import settings  # noqa: E402

from liuyanban.intelligence import training  # noqa: E402


def _peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main() -> None:
    settings.LIUYANBAN = {**settings.LIUYANBAN, "MODELS_DIR": tempfile.mkdtemp()}
    start = time.perf_counter()
    rows = training.labelled_messages("domain")
    print(
        f"training set: {len(rows):,} messages (TRAINING_LIMIT {training.TRAINING_LIMIT:,}) "
        f"read in {time.perf_counter() - start:.1f} s, peak RSS {_peak_mb()} MB"
    )
    with rolledback.rolled_back():
        report = training.train("domain")
        print(
            f"trained on {report.n_train:,}, held out {report.n_holdout:,}: "
            f"{time.perf_counter() - start:.0f} s in all, peak RSS {_peak_mb()} MB; "
            f"load average {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
