"""Check the English names the national loader generates, over the whole code table.

    .venv/bin/python bench/english_names.py

Plans the national directory from cpca's code table (no database writes) and prints how
many regions, bodies and boards it names, how many English names are missing or still
contain a Han character, how long the English naming takes, and a sample. Evidence kind:
exhaustive over the generated directory (every generated name is checked), not a sample.
"""

from __future__ import annotations

import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LIUYANBAN_VAR", tempfile.mkdtemp(prefix="english-names-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyanban.settings")

import django  # noqa: E402

django.setup()

from liuyanban.organizations import english  # noqa: E402
from liuyanban.organizations.defaults import UNIT_TEMPLATES, UNIT_TEMPLATES_EN  # noqa: E402
from liuyanban.organizations.loading.divisions import cpca_source, read_divisions  # noqa: E402
from liuyanban.organizations.loading.plan import Template, plan_directory  # noqa: E402

HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def main() -> None:
    templates = [
        Template(code, name, p, local, tuple(domains), UNIT_TEMPLATES_EN.get(code, ""))
        for code, name, p, local, domains in UNIT_TEMPLATES
    ]
    divisions = read_divisions(cpca_source())
    started = time.perf_counter()
    plan = plan_directory(divisions, templates)
    planned = time.perf_counter() - started
    english.place_name.cache_clear()
    english.pinyin_word.cache_clear()
    started = time.perf_counter()
    for division in divisions:
        english.place_name(division.name)
    naming = time.perf_counter() - started
    print("evidence: exhaustive over the directory generated from cpca's code table")
    for label, specs in (
        ("regions", plan.regions),
        ("bodies", plan.organizations),
        ("boards", plan.boards),
    ):
        missing = [s for s in specs if not s.name_en]
        chinese = [s for s in specs if HAN.search(s.name_en)]
        print(f"{label}: {len(specs)}  missing English: {len(missing)}  with Han: {len(chinese)}")
        for spec in (missing + chinese)[:5]:
            print(f"  {spec.code} {spec.name} {spec.name_en!r}")
    print(f"plan of the whole directory (with English names): {planned:.2f} s")
    print(f"English place names of {len(divisions)} divisions, cold cache: {naming:.2f} s")
    rng = random.Random(15)
    for spec in rng.sample(plan.boards, 5) + rng.sample(plan.organizations, 5):
        print(f"  {spec.name} → {spec.name_en}")


if __name__ == "__main__":
    main()
