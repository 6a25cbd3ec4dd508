"""Adapter for the TipDM 2020 C corpus (../shared/data/tipdm2020c): reading it, and its quirks.

The corpus is anonymised in ways no real message is, and those quirks are declared here,
where the corpus is read, never in the product's rules:

- its province (西地省) is abbreviated 楚 on plates ("楚A3F52P7"), which is not an official
  plate prefix: ``PLATE_PREFIXES`` adds it when the redactor runs on this corpus;
- its phone numbers were replaced by all-zero placeholders ("0000-00000000"), which are
  not personal data: ``is_placeholder`` tells a scorer to leave them out;
- its places are codes (A市, A5区): nothing in redaction depends on them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from liuyanban.intelligence.redaction import PROVINCES

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "tipdm2020c"
FILES = (
    "attachment2_train.csv",
    "attachment2_unlabeled.csv",
    "attachment3_hot.csv",
    "attachment4_replies.csv",
)
PLATE_PREFIXES = PROVINCES + "楚"
# All zeros, possibly after a real area code: 0000-00000000, 0731-0000-00000000.
_PLACEHOLDER = re.compile(r"^(?:\(?0\d{2,3}\)?[\-—\s]?)?0{3,4}[\-—\s]?0{7,8}$")


def is_placeholder(value: str) -> bool:
    """A number written by the corpus's anonymisation (0000-00000000), not personal data."""
    return bool(_PLACEHOLDER.match(value.strip()))


def messages(data_dir: Path = DATA) -> Iterator[tuple[str, str, str, str]]:
    """(file, 留言编号, 留言主题, 留言详情) for every message of the corpus, in file order."""
    for name in FILES:
        frame = pd.read_csv(data_dir / name, dtype=str, keep_default_na=False)
        for record in frame.to_dict("records"):
            yield name, record["留言编号"], record["留言主题"], record["留言详情"]
