"""The English catalogue: the switch turns the site English, and nothing is left untranslated."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

LC_MESSAGES = Path(settings.BASE_DIR) / "liuyanban" / "locale" / "en" / "LC_MESSAGES"


@pytest.mark.django_db
def test_home_page_is_chinese_by_default(client: Client) -> None:
    page = client.get("/").content.decode()
    assert 'lang="zh-CN"' in page
    assert "给领导和部门留言" in page
    assert "Write to Leaders and Departments" not in page


@pytest.mark.django_db
def test_the_language_switch_turns_the_home_page_english(client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'lang="en"' in page
    assert "Write to Leaders and Departments" in page
    assert "Search published messages" in page
    assert "给领导和部门留言" not in page


def _entries(po_text: str) -> list[tuple[str, list[str], bool]]:
    """(msgid, msgstrs, fuzzy) for every non-obsolete entry of a .po file."""
    entries = []
    for block in re.split(r"\n\s*\n", po_text):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        fields: dict[str, str] = {}
        key = None
        for line in lines:
            match = re.match(r'^(msgid|msgid_plural|msgctxt|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if match:
                key = match.group(1)
                fields[key] = match.group(2)
            elif key and line.startswith('"'):
                fields[key] += line[1:-1]
        if "msgid" in fields:
            strs = [v for k, v in fields.items() if k.startswith("msgstr")]
            entries.append((fields["msgid"], strs, fuzzy))
    return entries


def test_the_english_catalogue_is_complete_and_compiled() -> None:
    po = LC_MESSAGES / "django.po"
    mo = LC_MESSAGES / "django.mo"
    assert mo.exists(), "run `make messages` and commit django.mo"
    assert mo.stat().st_size > 0
    entries = _entries(po.read_text(encoding="utf-8"))
    assert len(entries) > 100
    header = [e for e in entries if e[0] == ""]
    assert len(header) == 1
    assert not header[0][2], "the header is marked fuzzy"
    untranslated = [msgid for msgid, strs, _ in entries if msgid and (not strs or not all(strs))]
    fuzzy = [msgid for msgid, _, is_fuzzy in entries if msgid and is_fuzzy]
    assert not untranslated, f"untranslated: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"
