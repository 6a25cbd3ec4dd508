"""Benchmark: full rebuild of the hot-issue index over synthetic messages.

    .venv/bin/python bench/hot_issues_bench.py --n 500000 [--workers 2]

Messages are generated here (no real data): places from combinatorial names, problems
from a small phrase list, times spread over two years, some issues made bursty so that
groups form. Prints featurisation and grouping seconds, and the group count.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")

from liuyanban.intelligence.hot import HotInput, HotIssueIndex, hot_issues
from liuyanban.intelligence.hot import features as hot_features

SYLLABLES = [
    "金",
    "银",
    "华",
    "富",
    "阳",
    "光",
    "城",
    "明",
    "德",
    "新",
    "宇",
    "泰",
    "和",
    "美",
    "丽",
    "景",
    "湖",
    "山",
    "水",
    "苑",
    "星",
    "海",
    "龙",
    "凤",
    "锦",
    "绣",
    "嘉",
    "盛",
    "兴",
    "隆",
]
SUFFIXES = ["小区", "花园", "公寓", "学校", "医院", "路", "广场", "工业园", "公司", "村"]
PROBLEMS = [
    ("临街餐馆油烟噪音扰民", "楼下餐馆营业到凌晨，油烟直排，噪音很大，居民无法休息。"),
    ("物业乱收停车费", "物业公司擅自提高停车费，未经业主大会同意，要求退还。"),
    ("道路破损积水严重", "道路坑洼不平，下雨积水，行人车辆通行困难，请尽快维修。"),
    ("强制学生实习", "学校强制学生去指定企业实习，不去不给毕业证，学生苦不堪言。"),
    ("工地夜间施工噪音", "工地每天夜里施工到凌晨两三点，噪音严重影响睡眠。"),
    ("拖欠工资", "公司拖欠员工工资半年，多次讨要无果，请劳动监察介入。"),
    ("房屋墙面开裂", "交房不久墙面楼板多处开裂，开发商推诿不修，质量堪忧。"),
    ("垃圾站臭味扰民", "垃圾站离居民楼太近，夏天臭味熏天，蚊蝇滋生。"),
    ("拆迁补偿不合理", "拆迁补偿标准过低，与周边项目差距很大，村民不同意。"),
    ("公交线路太少", "附近只有一条公交线路，早晚高峰等车半小时，请增开线路。"),
]
FILLER = (
    "我们多次向有关部门反映，至今没有得到解决，恳请领导重视，尽快调查处理，还居民一个安宁的环境。"
)


def place(rng: random.Random) -> str:
    return "".join(rng.choices(SYLLABLES, k=rng.choice((2, 3, 4)))) + rng.choice(SUFFIXES)


def generate(n: int, seed: int = 7) -> list[HotInput]:
    """n messages; about a third belong to bursty issues of 5–40 messages."""
    rng = random.Random(seed)
    start = datetime(2022, 1, 1)
    out: list[HotInput] = []
    while len(out) < n:
        where = f"{rng.choice('ABCDEFG')}市{rng.choice('ABCDEFG')}{rng.randint(1, 9)}区{place(rng)}"
        what, detail = rng.choice(PROBLEMS)
        size = rng.choice((1, 1, 1, 1, 2, 5, 10, 40))
        t0 = start + timedelta(days=rng.uniform(0, 730))
        for _ in range(min(size, n - len(out))):
            at = t0 + timedelta(days=rng.expovariate(1 / 10))
            body = f"我是{where}的居民，{detail}{FILLER[: rng.randint(20, len(FILLER))]}"
            out.append(
                HotInput(
                    len(out) + 1,
                    f"{where}{what}",
                    body,
                    at,
                    f"u{rng.randint(1, n)}",
                    rng.randint(0, 5),
                    0,
                )
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500_000)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    msgs = generate(args.n)
    started = time.perf_counter()
    feats = hot_features.featurize_many(msgs, args.workers)
    featurised = time.perf_counter()
    index = HotIssueIndex()
    original = hot_features.featurize_many
    # Reuse the features computed above so the two phases are timed separately.
    hot_features_module = sys.modules["liuyanban.intelligence.hot.index"]
    hot_features_module.featurize_many = lambda m, w=None: feats  # type: ignore[attr-defined]
    try:
        index.rebuild(msgs)
    finally:
        hot_features_module.featurize_many = original  # type: ignore[attr-defined]
    grouped = time.perf_counter()
    top = hot_issues(index, top=5)
    ranked = time.perf_counter()
    print(f"messages={len(msgs)} groups={len(index.groups)}")
    print(
        f"featurise_s={featurised - started:.1f} group_s={grouped - featurised:.1f} rank_s={ranked - grouped:.1f}"
    )
    print(f"rebuild_total_s={ranked - started:.1f}")
    for issue in top:
        print(
            issue.rank,
            f"{issue.heat.score:.1f}",
            issue.place,
            issue.description,
            len(issue.members),
        )


if __name__ == "__main__":
    main()
