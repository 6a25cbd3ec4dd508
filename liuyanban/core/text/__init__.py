"""Text that every format can carry: no control characters, no lone surrogates.

XML 1.0 cannot hold C0 control characters other than tab, newline and carriage
return (a feed with one is not well-formed, and readers stop at it), nor U+FFFE/U+FFFF;
UTF-8 cannot encode a lone surrogate (``"\\ud800"`` from a JSON ``\\ud800`` escape), so
writing one out fails. ``printable`` removes the former and replaces the latter, so
text typed by anyone can be stored and served in JSON and XML alike.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls except \t \n \r, and the two XML non-characters.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


_ANY_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def printable(value: str) -> str:
    """``value`` without control characters; lone surrogates become U+FFFD."""
    if _ANY_BAD.search(value) is None:  # the usual case: one scan, no copies
        return value
    return _SURROGATE.sub(REPLACEMENT, _NOT_IN_XML.sub("", value))


def printable_tree(data: Any) -> Any:
    """``printable`` applied to every string in nested dicts and lists (keys too)."""
    if isinstance(data, str):
        return printable(data)
    if isinstance(data, dict):
        return {printable_tree(k): printable_tree(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [printable_tree(v) for v in data]
    return data
