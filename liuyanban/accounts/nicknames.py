"""The one rule for a public nickname: the account's, and the one given per message or suggestion.

A nickname is shown beside public text, so it must not carry personal data (a phone,
QQ or ID number, an email address), must not pass for an official, and must be
plain printable text of a readable length.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

from liuyanban.core.errors import InvalidInput

NICKNAME_MIN = 2
NICKNAME_MAX = 20
# Seven or more digits in a row (after separators are dropped) look like a phone,
# QQ or ID number: personal data that must not become a public name.
_DIGIT_RUN = re.compile(r"\d{7,}")
_NICKNAME_NOISE = re.compile(r"[\s\-_.·()（）]")
_RESERVED_NICKNAME_WORDS = ("管理员", "客服", "官方", "admin")


def validate_nickname(nickname: str, *, field: str = "nickname") -> str:
    """The cleaned public nickname, or raise: 2–20 printable characters, no numbers, no titles."""
    nickname = unicodedata.normalize("NFKC", nickname).strip()
    if not NICKNAME_MIN <= len(nickname) <= NICKNAME_MAX:
        raise InvalidInput(fields={field: [_("昵称长度应为 2–20 个字符")]})
    # Control, format (zero-width) and line-separator characters hide text or break pages.
    if not nickname.isprintable():
        raise InvalidInput(fields={field: [_("昵称只能包含文字、字母、数字和常用标点")]})
    if _DIGIT_RUN.search(_NICKNAME_NOISE.sub("", nickname)) or "@" in nickname:
        raise InvalidInput(
            fields={field: [_("昵称会公开显示，不能包含手机号、邮箱等个人信息")]},
        )
    if any(word in nickname.lower() for word in _RESERVED_NICKNAME_WORDS):
        raise InvalidInput(fields={field: [_("昵称不能冒用管理员、客服或官方名义")]})
    return nickname


def public_nickname(typed: str, *, fallback: str) -> str:
    """The nickname to show beside one message or suggestion: the typed one (checked) or ``fallback``."""
    if typed.strip():
        return validate_nickname(typed)
    return fallback
