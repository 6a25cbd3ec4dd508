"""Reply-quality scores against every label set we have, thresholds chosen on development data.

Runs ``manage.py reply_quality_eval`` on the 2,816 replies of ``attachment4_replies.csv``.
Each 0/1 label set (two third-party sets, weak labels) is split in half, stratified with a
fixed seed: the cut that turns a score into 0/1 is the best-kappa cut on the development
half, and Spearman, ROC AUC and kappa (with a bootstrap interval) are printed for the test
half, scored once. All comparisons are printed, none is picked. Kind of evidence: held-out
for the threshold; the rules themselves were written by people who had seen these label
files, so the figures are not fully independent of them. Our own 60 labels
(``eval/reply_labels.json``) were written by the same team as the rules: in-sample.

    .venv/bin/python bench/reply_quality_eval.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "tipdm2020c"

if __name__ == "__main__":
    call_command("reply_quality_eval", input=DATA / "attachment4_replies.csv")
