"""Dataset adapters: how a corpus that is not the platform's own writes its places.

The TipDM 2020 C corpus (../shared/data/tipdm2020c) is anonymised: cities and districts
are codes ("A市", "A5区", "K9县") and its province is "西地省". Those codes are never
production rules; they apply only while that corpus is read (``manage.py hot_issues
--dataset tipdm``, the benches).
"""

from __future__ import annotations

import re

from .places import REAL, AdminNames

_TIPDM = re.compile(r"[A-Z]\d{0,2}(?:省|市|区|县)|西地省")


def _tipdm_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _TIPDM.finditer(text)]


TIPDM = AdminNames("tipdm", _tipdm_spans)
ADAPTERS: dict[str, AdminNames] = {"real": REAL, "tipdm": TIPDM}
