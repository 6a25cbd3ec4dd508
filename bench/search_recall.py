"""Search recall and precision before/after compound matching, on a labelled query list.

    .venv/bin/python bench/search_recall.py

Evidence: synthetic, hand-labelled. The messages and the labels below were written for
this bench (not taken from any dataset): for each query, which messages a citizen would
expect to find. Both schemes run through SQLite FTS5 with the product's tokenizer:

- before: index = jieba search-mode words; query = its words, every one must be indexed
  (the rule before SEARCH_SCHEME 2);
- after: the product's ``segment_for_search`` and ``search._fts5_query(query_words(q))``
  (a compound matches as itself or through all of its parts).
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")

import django

django.setup()

from liuyanban.core.text.chinese import normalize, segment_for_search, tokenizer  # noqa: E402
from liuyanban.lifecycle import search  # noqa: E402

MESSAGES = {
    1: "小区物业收费不合理，一年涨了两次",
    2: "今年物业费比去年高了很多，请核查",
    3: "物业公司乱收停车费，业主意见很大",
    4: "幸福路路灯坏了三个月，晚上出行不安全",
    5: "小区停车收费标准没有公示",
    6: "拆迁安置房迟迟不交房",
    7: "老城区拆迁补偿标准过低",
    8: "学校周边交通拥堵，接送孩子困难",
    9: "工地夜间施工噪音扰民到凌晨",
    10: "楼下餐馆油烟直排，噪音也大",
    11: "医保报销手续繁琐，跑了好几趟",
    12: "医疗保险报销比例太低",
    13: "公交车站设置不合理，换乘不便",
    14: "垃圾站臭气熏天，夏天蚊蝇多",
    15: "自来水水质发黄，烧开有沉淀",
    16: "电梯经常故障停运，老人上下楼难",
    17: "共享单车乱停乱放占用人行道",
    18: "农村公路坑洼难行，雨天泥泞",
    19: "幼儿园学位紧张，孩子无法入园",
    20: "燃气管道老化漏气，存在安全隐患",
}
# query → the messages a person asking it wants (hand-labelled).
LABELS = {
    "物业费": {1, 2},
    "物业": {1, 2, 3},
    "停车费": {3, 5},
    "路灯": {4},
    "拆迁补偿": {7},
    "拆迁": {6, 7},
    "噪音": {9, 10},
    "施工噪音": {9},
    "医保报销": {11},
    "公交站": {13},
    "垃圾站": {14},
    "水质": {15},
    "电梯故障": {16},
    "单车": {17},
    "幼儿园学位": {19},
    "燃气管道": {20},
}


def _db(index: dict[int, str]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='unicode61 remove_diacritics 0')")
    db.executemany("INSERT INTO t(rowid, body) VALUES (?, ?)", list(index.items()))
    return db


def _old_index(text: str) -> str:
    return " ".join(w for w in tokenizer().lcut_for_search(normalize(text), HMM=False) if w.strip())


def _old_query(q: str) -> str:
    return " ".join('"' + t.replace('"', '""') + '"' for t in search.query_terms(q))


def _new_query(q: str) -> str:
    return search._fts5_query(search.query_words(q))


def _score(name: str, db: sqlite3.Connection, to_query) -> None:  # type: ignore[no-untyped-def]
    found_total = relevant_total = returned_total = 0
    for q, relevant in LABELS.items():
        got = {row[0] for row in db.execute("SELECT rowid FROM t WHERE t MATCH ?", (to_query(q),))}
        found_total += len(got & relevant)
        relevant_total += len(relevant)
        returned_total += len(got)
        if got != relevant:
            print(f"  {name} {q}: got {sorted(got)} wanted {sorted(relevant)}")
    print(
        f"{name}: recall {found_total}/{relevant_total} = {found_total / relevant_total:.3f}, "
        f"precision {found_total}/{returned_total} = {found_total / max(1, returned_total):.3f}"
    )


def main() -> None:
    print(
        f"{len(LABELS)} labelled queries over {len(MESSAGES)} messages (synthetic, hand-labelled)"
    )
    _score("before", _db({k: _old_index(v) for k, v in MESSAGES.items()}), _old_query)
    _score("after", _db({k: segment_for_search(v) for k, v in MESSAGES.items()}), _new_query)


if __name__ == "__main__":
    main()
