"""The publishing step's redaction hook.

The lifecycle guarantees that nothing becomes public without passing through
``public_text``. The default implementation is the intelligence app's detector
(configurable with ``LIUYANBAN["REDACTOR"]``); a minimal built-in fallback masks
phone numbers, ID-card numbers, emails and bank-card numbers so that the
guarantee holds even where the intelligence app is replaced.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

from liuyanban.intelligence.text import normalize

_FALLBACK = [
    (re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"), "[身份证号]"),
    (re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?[\d*xX]{4}[- ]?\d{4}(?!\d)"), "[手机号]"),
    (re.compile(r"(?<!\d)0\d{2,3}[- ]?\d{7,8}(?!\d)"), "[电话]"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[邮箱]"),
    (re.compile(r"(?<!\d)\d{16,19}(?!\d)"), "[银行卡号]"),
]


def fallback_public_text(text: str) -> str:
    """Mask the most obvious personal data with plain patterns."""
    out = normalize(text)
    for pattern, mask in _FALLBACK:
        out = pattern.sub(mask, out)
    return out


@lru_cache(maxsize=1)
def _redactor() -> Callable[[str], str]:
    path = str(settings.LIUYANBAN.get("REDACTOR", "liuyanban.intelligence.redaction.public_text"))
    try:
        redactor: Callable[[str], str] = import_string(path)
        return redactor
    except ImportError:
        return fallback_public_text


def public_text(text: str) -> str:
    """What the platform publishes for ``text``."""
    return _redactor()(text)
