"""Recall per kind and look-alike keep-rate of redaction, new detector beside the old one.

Usage:
    .venv/bin/python bench/redaction_eval.py --split dev      # while writing rules
    .venv/bin/python bench/redaction_eval.py --split test     # scored once, at the end
    .venv/bin/python bench/redaction_eval.py --split all      # dev, test, probes, legacy set

Evidence, by set:

- ``dev`` / ``test``: **synthetic-planted on real text**. Real message bodies from
  ../shared/data/tipdm2020c (read in place), split by a hash of (file, 留言编号) into two
  disjoint halves; ``bench/pii_planting.py`` (a generator that imports nothing from the
  detector) inserts personal data in varied formats and look-alikes. Rules were written
  against ``dev``; ``test`` (other messages, other random draws) is the held-out split.
  Both come from the same generator, so they say nothing about formats it does not write.
- ``probes``: the outside probe of issue 14, one case each (hand-written).
- ``legacy``: the old 392 spans (``liuyanban/intelligence/eval/pii_labels.json``), **seeded
  from the old detector's output**; scored with the corpus adapter (``bench/tipdm.py``),
  its all-zero placeholders left out; addresses, a kind it does not label, are not
  scored. Shown for comparison only: its labels miss what the old detector missed.

Scoring goes through ``public_text`` (what ``manage.py redact_file`` writes): a planted
item counts as hidden when its characters (after NFKC, without separators or invisible
characters, Chinese numerals read as digits) no longer appear in the published text; a
look-alike counts as kept when it appears unchanged. The old detector is the module as it
was at ``--baseline`` (read from git), run the same way.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import types
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")

import django  # noqa: E402

django.setup()

import pii_planting  # noqa: E402
import tipdm  # noqa: E402

from liuyanban.intelligence import redaction  # noqa: E402

BASELINE = "69f5278"  # the last commit with the single-file detector
LEGACY_LABELS = ROOT / "liuyanban" / "intelligence" / "eval" / "pii_labels.json"
SEEDS = {"dev": 20261130, "test": 99173}
Redactor = Callable[[str], str]

PROBES: list[tuple[str, list[str], list[str]]] = [
    # (text, what must be hidden, what must stay)
    ("我的电话139.1111.0003，请回电。", ["139.1111.0003"], []),
    ("电话 139 1111 0003", ["139 1111 0003"], []),
    ("手机139-1111-0003", ["139-1111-0003"], []),
    ("我的手机一三九一一一一〇〇〇三", ["一三九一一一一〇〇〇三"], []),
    ("电话幺三九幺幺幺幺零零零三", ["幺三九幺幺幺幺零零零三"], []),
    ("手机１３９１１１１０００３", ["１３９１１１１０００３"], []),
    ("电话139\u200b1111\u200b0003", ["139\u200b1111\u200b0003"], []),
    ("电话\u202e30001111931\u202c谢谢", ["30001111931"], []),
    ("座机075524360468", ["075524360468"], []),
    ("打02127562226找我", ["02127562226"], []),
    ("联系人：郭富城", ["郭富城"], []),
    ("我叫郭富城电话13911110003", ["郭富城", "13911110003"], []),
    ("家住芙蓉区五一大道123号4栋2单元501室", ["123号4栋2单元501室"], ["五一大道"]),
    ("幸福小区3栋2单元501室楼上漏水", ["3栋2单元501室"], ["幸福小区"]),
    ("根据湘政发〔2019〕12号文件，2019年12月30日10:30在3楼301室开会", [], ["〔2019〕12号", "2019年12月30日", "10:30", "301室"]),
    ("罚款5000元，增长12.5%，邮编410005，第十二条，请拨打12345", [], ["5000元", "12.5%", "410005", "第十二条", "12345"]),
]  # fmt: skip
REPLY_PROBES: list[tuple[str, list[str], list[str], list[str]]] = [
    # (reply, author names, must be hidden, must stay)
    ("刘德华您好！经查，问题已处理。", ["刘德华"], ["刘德华"], []),
    ("您好，如有疑问请联系我局办公室，联系电话0731-88881234。", [], [], ["0731-88881234"]),
    ("您好，请拨打12345热线或咨询电话0731-84445555。", [], [], ["0731-84445555", "12345"]),
    ("经与网友（电话13911110003）联系，已说明情况。", [], ["13911110003"], []),
]


def hidden_key(s: str) -> str:
    """A value as digits and letters only: what would leak if it were still there."""
    s = unicodedata.normalize("NFKC", s)
    s = s.translate(str.maketrans("〇零一二三四五六七八九幺", "001234567891"))
    return "".join(c for c in s if c.isalnum() and unicodedata.category(c)[0] != "C").lower()


def leaked(value: str, kind: str, published: str) -> bool:
    """Whether a planted value can still be read in the published text."""
    if kind == "name":
        return value in published
    return hidden_key(value) in hidden_key(published)


def load_baseline(commit: str) -> Redactor:
    """The old detector's ``public_text``, loaded from git at ``commit``."""
    source = subprocess.run(
        ["git", "show", f"{commit}:liuyanban/intelligence/redaction.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType("old_redaction")
    sys.modules["old_redaction"] = module  # dataclasses look the module up by name
    exec(compile(source, "old_redaction.py", "exec"), module.__dict__)
    fn: Redactor = module.public_text
    return fn


def split_of(file: str, number: str) -> str:
    digest = hashlib.sha1(f"{file}:{number}".encode()).digest()
    return "dev" if digest[0] % 2 == 0 else "test"


def planted_set(split: str, n: int) -> list[pii_planting.PlantedMessage]:
    hosts = [
        (f"{f}:{num}", body)
        for f, num, _title, body in tipdm.messages()
        if split_of(f, num) == split and len(body.strip()) > 20
    ]
    rng = random.Random(SEEDS[split])
    rng.shuffle(hosts)
    return [pii_planting.plant(rng, key, body) for key, body in hosts[:n]]


def score_planted(
    messages: list[pii_planting.PlantedMessage], redactors: dict[str, Redactor]
) -> dict[str, Any]:
    counts: dict[str, dict[str, Counter[str]]] = {k: defaultdict(Counter) for k in redactors}
    forms: dict[str, dict[str, Counter[str]]] = {k: defaultdict(Counter) for k in redactors}
    for message in messages:
        for label, fn in redactors.items():
            published = fn(message.text)
            for item in message.items:
                c = counts[label][item.kind]
                c["n"] += 1
                if item.kind == "lookalike":
                    c["ok"] += int(item.value in published)
                    continue
                ok = not leaked(item.value, item.kind, published)
                c["ok"] += int(ok)
                forms[label][f"{item.kind}/{item.form}"]["n"] += 1
                forms[label][f"{item.kind}/{item.form}"]["ok"] += int(ok)
    return {"counts": counts, "forms": forms}


Finder = Callable[[str], list[Any]]


def score_precision(
    messages: list[pii_planting.PlantedMessage], finders: dict[str, Finder]
) -> dict[str, dict[str, Counter[str]]]:
    """Per predicted kind: findings inside the inserted sentences, and how many of them
    cover a planted personal item (of any kind). The host text is not labelled, so
    findings outside the inserted sentences are not scored."""
    out: dict[str, dict[str, Counter[str]]] = {k: defaultdict(Counter) for k in finders}
    for message in messages:
        personal = [i for i in message.items if i.kind != "lookalike"]
        for label, find in finders.items():
            for f in find(message.text):
                if not any(a < f.end and f.start < b for a, b in message.sentences):
                    continue
                c = out[label][f.kind]
                c["found"] += 1
                c["right"] += int(any(i.start < f.end and f.start < i.end for i in personal))
                c["same_kind"] += int(
                    any(i.kind == f.kind and i.start < f.end and f.start < i.end for i in personal)
                )
    return out


def score_probes(redactors: dict[str, Redactor]) -> dict[str, tuple[int, int]]:
    from liuyanban.intelligence.redaction import public_reply_text

    out = {}
    for label, fn in redactors.items():
        passed = total = 0
        for text, hide, keep in PROBES:
            published = fn(text)
            total += 1
            passed += int(
                all(not leaked(h, "x", published) for h in hide)
                and all(k in published for k in keep)
            )
        for text, names, hide, keep in REPLY_PROBES:
            total += 1
            # The old code had one function for everything.
            published = fn(text) if label == "old" else public_reply_text(text, author_names=names)
            passed += int(
                all(h not in published for h in hide) and all(k in published for k in keep)
            )
        out[label] = (passed, total)
    return out


def score_legacy(finders: dict[str, Callable[[str], list[Any]]]) -> dict[str, Counter[str]]:
    """The old detector-seeded spans: overlap-and-kind matching, placeholders left out."""
    import pandas as pd

    labels = json.loads(LEGACY_LABELS.read_text(encoding="utf-8"))
    gold: dict[tuple[str, int, str], list[dict[str, Any]]] = defaultdict(list)
    for span in labels["spans"]:
        gold[(span["file"], span["row"], span["field"])].append(span)
    out: dict[str, Counter[str]] = {k: Counter() for k in finders}
    for name in labels["files"]:
        frame = pd.read_csv(tipdm.DATA / name, dtype=str, keep_default_na=False)
        for row, record in enumerate(frame.to_dict("records")):
            for field in ("留言主题", "留言详情"):
                text = record[field]
                spans = [
                    s
                    for s in gold.get((name, row, field), [])
                    if not tipdm.is_placeholder(text[s["start"] : s["end"]])
                ]
                for label, find in finders.items():
                    # The legacy labels have no addresses (a kind added later).
                    found = [
                        f
                        for f in find(text)
                        if f.kind != "address" and not tipdm.is_placeholder(f.text)
                    ]
                    _match(found, spans, out[label])
    return out


def _match(found: list[Any], spans: list[dict[str, Any]], c: Counter[str]) -> None:
    unmatched = list(spans)
    for f in found:
        group = "name" if f.kind == "name" else "number"
        hit = next(
            (
                s
                for s in unmatched
                if s["kind"] == f.kind and s["start"] < f.end and f.start < s["end"]
            ),
            None,
        )
        if hit is None:
            c[f"{group}_fp"] += 1
        else:
            unmatched.remove(hit)
            c[f"{group}_tp"] += 1
    for s in unmatched:
        c[("name" if s["kind"] == "name" else "number") + "_fn"] += 1


def _rate(c: Counter[str]) -> str:
    return f"{c['ok'] / c['n']:.3f} ({c['ok']}/{c['n']})" if c["n"] else "-"


def print_precision(result: dict[str, dict[str, Counter[str]]]) -> None:
    labels = list(result)
    print("  precision by predicted kind: findings in the inserted sentences that cover a planted")
    print("  personal item (after ';' how many of them have the planted item's kind):")
    for kind in sorted({k for label in labels for k in result[label]}):
        cells = []
        for label in labels:
            c = result[label][kind]
            found = max(1, c["found"])
            cell = f"{c['right'] / found:.3f} ({c['right']}/{c['found']}; {c['same_kind']})"
            cells.append(f"{cell if c['found'] else '-':>26}")
        print(f"  {kind:<10}" + "".join(cells))


def print_planted(split: str, result: dict[str, Any], verbose: bool) -> None:
    counts = result["counts"]
    labels = list(counts)
    print(
        f"\n== {split}: synthetic-planted on real text ({'held-out test split' if split == 'test' else 'development split'}) =="
    )
    print(f"{'kind':<12}" + "".join(f"{label + ' recall':>26}" for label in labels))
    for kind in (*pii_planting.KINDS, "lookalike"):
        name = "look-alike kept" if kind == "lookalike" else kind
        print(f"{name:<12}" + "".join(f"{_rate(counts[label][kind]):>26}" for label in labels))
    if verbose:
        print("  by written form:")
        for key in sorted(result["forms"][labels[-1]]):
            print(
                f"  {key:<24}"
                + "".join(f"{_rate(result['forms'][label][key]):>26}" for label in labels)
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--split", choices=["dev", "test", "all"], default="dev")
    parser.add_argument("--messages", type=int, default=1500, help="planted messages per split")
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--forms", action="store_true", help="recall by written form")
    args = parser.parse_args()
    old = load_baseline(args.baseline)
    redactors: dict[str, Redactor] = {"old": old, "new": redaction.public_text}
    splits = ["dev", "test"] if args.split == "all" else [args.split]
    finders: dict[str, Finder] = {
        "old": sys.modules["old_redaction"].find_personal_data,
        "new": redaction.find_personal_data,
    }
    for split in splits:
        messages = planted_set(split, args.messages)
        print_planted(split, score_planted(messages, redactors), args.forms)
        print_precision(score_precision(messages, finders))
    if args.split != "all":
        return
    probes = score_probes(redactors)
    print("\n== probes of issue 14 (hand-written, one case each) ==")
    for label, (passed, total) in probes.items():
        print(f"{label}: {passed}/{total} pass")
    old_module = sys.modules["old_redaction"]
    legacy = score_legacy(
        {
            "old": old_module.find_personal_data,
            "new": lambda t: redaction.find_personal_data(t, plate_prefixes=tipdm.PLATE_PREFIXES),
        }
    )
    print(
        "\n== legacy set: 392 spans seeded from the old detector (not independent), placeholders left out =="
    )
    for label, c in legacy.items():
        for group in ("number", "name"):
            tp, fp, fn = c[f"{group}_tp"], c[f"{group}_fp"], c[f"{group}_fn"]
            print(
                f"{label} {group + 's':<8} tp {tp:>4} fp {fp:>4} fn {fn:>4}"
                f"  precision {tp / max(1, tp + fp):.3f}  recall {tp / max(1, tp + fn):.3f}"
            )


if __name__ == "__main__":
    main()
