"""Importing a three-level category tree into the domains."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from liuyanban.taxonomy.importing import import_taxonomy
from liuyanban.taxonomy.models import Domain

pytestmark = pytest.mark.django_db

TREE = """一级分类,二级分类,三级分类
城建,安全生产,事故处理
城建,安全生产,安全隐患
城乡建设,城市建设,园林绿化
城乡建设,城市建设,
城乡建设,其他,其他
交通运输,其他,其他
"""


def test_tree_is_imported_under_existing_and_new_top_levels() -> None:
    before = Domain.objects.count()
    report = import_taxonomy(TREE.encode())
    assert report.ok, report.errors
    assert report.created == {1: 2, 2: 4, 3: 5}
    assert Domain.objects.count() == before + 11
    accident = Domain.objects.get(name="事故处理")
    assert (accident.level, accident.parent.name, accident.top().code) == (3, "安全生产", "urban")  # type: ignore[union-attr]
    assert accident.code == "urban.aqsc.sgcl"
    new_top = Domain.objects.get(name="城乡建设", level=1)
    assert new_top.code == "chengxiangjianshe" and new_top.parent is None
    # the same name under two parents is two domains
    assert Domain.objects.filter(name="其他", level=3).count() == 2


def test_second_run_changes_nothing() -> None:
    import_taxonomy(TREE.encode())
    count = Domain.objects.count()
    again = import_taxonomy(TREE.encode("gb18030"))
    assert again.ok and again.created == {1: 0, 2: 0, 3: 0}
    assert again.unchanged == 12  # 城建 already existed before the first run
    assert Domain.objects.count() == count


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("一级分类,二级分类\n城建,安全\n", [(1, "三级分类", "缺少必需的列")]),
        (
            "一级分类,二级分类,三级分类\n城建,,事故\n",
            [(2, "二级分类", "下级分类已填写，本级不能为空")],
        ),
        (
            "一级分类,二级分类,三级分类\n城建,安全," + "长" * 51 + "\n",
            [(2, "三级分类", "超过 50 个字符")],
        ),
        ("一级分类,二级分类,三级分类\n", [(0, "", "文件没有数据行")]),
        ("", [(0, "", "文件为空")]),
    ],
)
def test_broken_files_import_nothing(content: str, expected: list[tuple[int, str, str]]) -> None:
    before = Domain.objects.count()
    report = import_taxonomy(content.encode())
    assert [(e.row, e.column, e.message) for e in report.errors] == expected
    assert Domain.objects.count() == before


def test_command(tmp_path: Path) -> None:
    path = tmp_path / "tree.csv"
    path.write_text(TREE, encoding="utf-8")
    out = StringIO()
    call_command("import_taxonomy", str(path), stdout=out)
    assert "新建：1 级 2，2 级 4，3 级 5" in out.getvalue()
    path.write_text("一级分类\n城建\n", encoding="utf-8")
    with pytest.raises(CommandError, match="未导入"):
        call_command("import_taxonomy", str(path), stderr=StringIO())


@pytest.mark.slow
def test_real_taxonomy_file() -> None:
    """attachment1_taxonomy.csv: 15 / 103 / 390 distinct names, 15 / 118 / 517 tree nodes."""
    path = (
        Path(settings.BASE_DIR).parent
        / "shared"
        / "data"
        / "tipdm2020c"
        / "attachment1_taxonomy.csv"
    )
    report = import_taxonomy(path.read_bytes())
    assert report.ok, report.errors[:3]
    assert report.created == {1: 15, 2: 118, 3: 517}
    imported = Domain.objects.filter(code__contains=".") | Domain.objects.filter(
        level=1, name="城乡建设"
    )
    names = {
        level: set(imported.filter(level=level).values_list("name", flat=True)) for level in (2, 3)
    }
    assert (len(names[2]), len(names[3])) == (103, 390)
    again = import_taxonomy(path.read_bytes())
    assert again.created == {1: 0, 2: 0, 3: 0} and again.unchanged == 15 + 118 + 517
