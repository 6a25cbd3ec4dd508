"""Domain classifier: the model API, persistence, and the ``classify_eval`` contract."""

from __future__ import annotations

import csv
import json
import pickle
import random
import subprocess
import sys
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

from liuyanban.intelligence.classifier import (
    MODEL_VERSION,
    ClassifierConfig,
    ClassifierModel,
    Doc,
    prepare,
    taxonomy_docs,
    train,
)
from liuyanban.intelligence.management.commands.classify_eval import read_messages
from liuyanban.taxonomy.importing import import_taxonomy

# classify_eval reads the platform's taxonomy from the database.
pytestmark = pytest.mark.django_db

# Small synthetic vocabularies, one per domain: enough signal for a linear model.
TOPICS: dict[str, tuple[list[str], list[str]]] = {
    "交通运输": (
        ["公交线路", "道路拥堵", "出租车"],
        ["公交车站太远", "红绿灯时间太短", "停车位不够"],
    ),
    "教育文体": (
        ["学校收费", "幼儿园入学", "教师待遇"],
        ["孩子上学路远", "学位紧张", "课后辅导乱收费"],
    ),
    "环境保护": (
        ["噪音扰民", "油烟污染", "垃圾焚烧"],
        ["夜间施工噪音", "河道污水排放", "空气异味"],
    ),
}
FILLER = ["A市A3区", "小区居民", "多次反映", "希望尽快处理", "2019年8月"]


def synthetic(n_per_class: int, seed: int) -> list[tuple[str, str, str]]:
    """(title, body, label) rows with scraped-style whitespace padding in the body."""
    rng = random.Random(seed)
    rows = []
    for label, (titles, phrases) in TOPICS.items():
        for _ in range(n_per_class):
            body = "".join(rng.sample(phrases, 2) + rng.sample(FILLER, 2))
            rows.append((rng.choice(FILLER) + rng.choice(titles), f"\n\t\t{body}\n\t", label))
    rng.shuffle(rows)
    return rows


def write_csv(
    path: Path, rows: list[tuple[str, str, str]], label_col: str | None = "一级标签"
) -> Path:
    """A challenge-style CSV with extra columns the command must ignore."""
    header = ["留言编号", "留言主题", "留言详情", "点赞数"] + ([label_col] if label_col else [])
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for i, (title, body, label) in enumerate(rows):
            w.writerow([i, title, body, 3] + ([label] if label_col else []))
    return path


def run_eval(*args: str) -> tuple[dict[str, object], str]:
    """Run classify_eval; return the JSON of its last stdout line and the whole stdout."""
    out = StringIO()
    call_command("classify_eval", *args, stdout=out, stderr=StringIO())
    text = out.getvalue()
    return json.loads(text.strip().splitlines()[-1]), text


@pytest.fixture
def small_model() -> ClassifierModel:
    rows = synthetic(12, seed=1)
    docs = [Doc(t, b) for t, b, _ in rows]
    unlabeled = [Doc(t, b) for t, b, _ in synthetic(10, seed=2)]
    return ClassifierModel.fit(docs, [lab for *_, lab in rows], unlabeled)


# ---- model ------------------------------------------------------------------------


def test_prepare_masks_place_codes_digits_and_padding() -> None:
    assert prepare("\n\t\tA市A3区 2019年8月\n\t") == "X市X区 0年0月"


def test_model_learns_synthetic_domains(small_model: ClassifierModel) -> None:
    test = synthetic(5, seed=3)
    predicted = small_model.predict_labels([Doc(t, b) for t, b, _ in test])
    assert predicted == [lab for *_, lab in test]
    assert small_model.classes_ == sorted(TOPICS)


def test_probabilities_are_calibrated_rows(small_model: ClassifierModel) -> None:
    docs = [Doc("公交线路调整", "公交车站太远"), Doc("小区", "希望尽快处理")]
    proba = small_model.predict_proba(docs)
    assert proba.shape == (2, 3)
    assert np.allclose(proba.sum(axis=1), 1.0)
    preds = small_model.predict(docs)
    assert preds[0].label == "交通运输"
    # A clear message is predicted more confidently than pure boilerplate.
    assert preds[0].confidence > preds[1].confidence
    assert preds[0].confidence == pytest.approx(proba[0].max())


def test_scores_do_not_depend_on_the_batch(small_model: ClassifierModel) -> None:
    """The NB mixing scale is fixed at training time, not taken from the batch."""
    docs = [Doc(t, b) for t, b, _ in synthetic(3, seed=8)]
    batch = small_model.predict_proba(docs)
    one = np.vstack([small_model.predict_proba([d]) for d in docs])
    assert np.allclose(batch, one)
    assert small_model.nb_scale > 0


def test_naive_bayes_mixing_can_be_switched_off() -> None:
    rows = synthetic(8, seed=4)
    docs = [Doc(t, b) for t, b, _ in rows]
    model = ClassifierModel.fit(
        docs, [lab for *_, lab in rows], config=ClassifierConfig(nb_weight=0.0)
    )
    assert model.nb_scale == 0.0
    assert model.predict_labels([Doc("噪音扰民", "河道污水排放")]) == ["环境保护"]


def test_word_naive_bayes_joins_the_mix(tmp_path: Path) -> None:
    """``word_nb_weight`` mixes a Complement NB on jieba words into the scores: its scale is
    fixed at training time (batch-independent), probabilities stay rows, and it survives
    save/load."""
    rows = synthetic(12, seed=1)
    docs, labels = [Doc(t, b) for t, b, _ in rows], [lab for *_, lab in rows]
    unlabeled = [Doc(t, b) for t, b, _ in synthetic(10, seed=2)]
    plain = ClassifierModel.fit(docs, labels, unlabeled)
    words = ClassifierModel.fit(
        docs, labels, unlabeled, config=ClassifierConfig(word_nb_weight=0.5)
    )
    assert plain.word_nb_scale == 0.0
    assert words.word_nb_scale > 0
    probe = [Doc(t, b) for t, b, _ in synthetic(3, seed=8)]
    batch = words.predict_proba(probe)
    assert np.allclose(batch.sum(axis=1), 1.0)
    assert not np.allclose(words.decision_function(probe), plain.decision_function(probe))
    assert np.allclose(batch, np.vstack([words.predict_proba([d]) for d in probe]))
    assert words.predict_labels(probe) == [lab for *_, lab in synthetic(3, seed=8)]
    words.save(tmp_path / "words.pkl")
    assert np.allclose(ClassifierModel.load(tmp_path / "words.pkl").predict_proba(probe), batch)


def test_save_load_round_trip(small_model: ClassifierModel, tmp_path: Path) -> None:
    path = tmp_path / "model.pkl"
    small_model.save(path)
    loaded = ClassifierModel.load(path)
    docs = [Doc(t, b) for t, b, _ in synthetic(3, seed=9)]
    assert loaded.version == MODEL_VERSION
    assert loaded.metrics["n_train"] == 36
    assert np.allclose(loaded.predict_proba(docs), small_model.predict_proba(docs))


def test_version_4_has_a_word_block_and_version_3_files_still_load(
    small_model: ClassifierModel, tmp_path: Path
) -> None:
    assert small_model.version == MODEL_VERSION
    assert small_model._features is not None and small_model._features.words is not None
    rows = synthetic(8, seed=4)
    v3_config = ClassifierConfig(
        taxonomy_svm_weight=0.0, taxonomy_in_vocabulary=False, word_block_weight=0.0
    )
    old = ClassifierModel.fit(
        [Doc(t, b) for t, b, _ in rows], [lab for *_, lab in rows], config=v3_config
    )
    # What a version-3 file holds: no word vectoriser, a config without the new fields.
    old.version = "char-tfidf-svm-selftrain-cnb-taxonomy/3"
    assert old._features is not None
    del old._features.words
    old.config.__dict__.pop("word_block_weight")
    old.config.__dict__.pop("word_nb_weight")
    probe = [Doc("噪音扰民", "河道污水排放")]
    expected = old.predict_proba(probe)
    old.save(tmp_path / "v3.pkl")
    loaded = ClassifierModel.load(tmp_path / "v3.pkl")
    assert loaded.predict_labels(probe) == ["环境保护"]
    assert np.allclose(loaded.predict_proba(probe), expected)


def test_load_refuses_other_versions(small_model: ClassifierModel, tmp_path: Path) -> None:
    (tmp_path / "old.pkl").write_bytes(pickle.dumps({"version": "old/0", "model": small_model}))
    with pytest.raises(ValueError, match="old/0"):
        ClassifierModel.load(tmp_path / "old.pkl")


def test_training_input_is_validated() -> None:
    with pytest.raises(ValueError, match="two different labels"):
        ClassifierModel.fit([Doc("a", "b"), Doc("c", "d")], ["x", "x"])
    with pytest.raises(ValueError, match="labels"):
        ClassifierModel.fit([Doc("a", "b")], ["x", "y"])
    with pytest.raises(RuntimeError, match="not trained"):
        ClassifierModel().predict([Doc("a", "b")])


def test_train_wrapper_without_self_training() -> None:
    rows = synthetic(8, seed=4)
    model = train(
        [t for t, _, _ in rows],
        [b for _, b, _ in rows],
        [lab for *_, lab in rows],
        unlabeled=[("油烟", "夜间施工噪音")],
        config=ClassifierConfig(self_training_rounds=0),
    )
    assert model.predict_labels([Doc("噪音扰民", "河道污水排放")]) == ["环境保护"]
    assert model.predict([]) == []


def test_taxonomy_docs_one_per_informative_leaf() -> None:
    docs, labels = taxonomy_docs(
        {
            "环境保护": [("环境污染", "电磁污染"), ("环境污染", "其他"), ("其他", "其他")],
            "文体": [("文物管理", "文物管理")],
            "农村农业": [("农业", "种子管理")],
        },
        ["环境保护", "交通运输", "文体"],
    )
    assert labels == ["环境保护", "环境保护", "文体"]
    assert docs == [
        Doc("电磁污染", "环境污染 电磁污染"),
        Doc("环境污染", "环境污染"),
        Doc("文物管理", "文物管理"),
    ]


def test_taxonomy_names_teach_the_model() -> None:
    """A phrase the labelled messages leave ambiguous leans towards the label whose taxonomy
    names it (through the Naive Bayes part of the model)."""
    rows = [
        *synthetic(12, seed=1),
        ("A市基站电磁辐射", "小区居民多次反映", "交通运输"),
        ("电磁辐射", "希望尽快处理", "环境保护"),
    ]
    docs, labels = [Doc(t, b) for t, b, _ in rows], [lab for *_, lab in rows]
    probe = [Doc("电磁辐射超标", "基站电磁辐射")]
    env = sorted(TOPICS).index("环境保护")
    plain = ClassifierModel.fit(docs, labels)
    taught = ClassifierModel.fit(
        docs, labels, taxonomy={"环境保护": [("环境污染", "电磁辐射")], "农村农业": [("农业",)]}
    )
    assert plain.metrics["n_taxonomy_docs"] == 0
    assert taught.metrics["n_taxonomy_docs"] == 1
    assert taught.predict_proba(probe)[0, env] > plain.predict_proba(probe)[0, env]


def test_taxonomy_names_join_the_vocabulary() -> None:
    """With ``taxonomy_in_vocabulary`` (on by default since version 4) a name no labelled
    message contains still becomes a feature, so a message using it leans towards the
    name's label."""
    rows = synthetic(12, seed=1)
    docs, labels = [Doc(t, b) for t, b, _ in rows], [lab for *_, lab in rows]
    taxonomy = {"环境保护": [("环境污染", "电磁辐射")]}
    probe = [Doc("电磁辐射", "电磁辐射")]
    env = sorted(TOPICS).index("环境保护")
    config = ClassifierConfig(taxonomy_in_vocabulary=False)
    without = ClassifierModel.fit(docs, labels, taxonomy=taxonomy, config=config)
    with_names = ClassifierModel.fit(docs, labels, taxonomy=taxonomy)
    assert with_names.config.taxonomy_in_vocabulary
    assert with_names.predict_labels(probe) == ["环境保护"]

    def lead(model: ClassifierModel) -> float:
        scores = model.decision_function(probe)[0]
        return float(scores[env] - np.delete(scores, env).max())

    assert lead(with_names) > lead(without)


# ---- classify_eval contract ---------------------------------------------------------


def test_classify_eval_learns_from_the_platform_taxonomy(tmp_path: Path) -> None:
    report = import_taxonomy(
        "一级分类,二级分类,三级分类\n环境保护,环境污染,噪音污染\n环境保护,环境污染,水污染\n"
        "交通运输,公共交通,公交线路\n国土资源,土地管理,土地征收\n".encode()
    )
    assert report.ok
    train_csv = write_csv(tmp_path / "train.csv", synthetic(12, seed=5))
    test_csv = write_csv(tmp_path / "test.csv", synthetic(4, seed=6))
    result, _ = run_eval("--train", str(train_csv), "--test", str(test_csv))
    # 国土资源 is no training label: its names are not used.
    assert result["n_taxonomy_docs"] == 3
    assert result["macro_f1"] == 1.0
    result, _ = run_eval("--train", str(train_csv), "--test", str(test_csv), "--no-taxonomy")
    assert result["n_taxonomy_docs"] == 0


def test_classify_eval_learns_from_a_taxonomy_file(tmp_path: Path) -> None:
    """--taxonomy reads the names from a category file instead of the (empty) database."""
    taxonomy_csv = _write(
        tmp_path / "分类.csv",
        "一级分类,二级分类,三级分类\n环境保护,环境污染,噪音污染\n环境保护,环境污染,其他\n"
        "交通运输,公共交通,公交线路\n国土资源,土地管理,土地征收\n".encode("utf-8-sig"),
    )
    train_csv = write_csv(tmp_path / "train.csv", synthetic(12, seed=5))
    test_csv = write_csv(tmp_path / "test.csv", synthetic(4, seed=6))
    result, _ = run_eval(
        "--train", str(train_csv), "--test", str(test_csv), "--taxonomy", str(taxonomy_csv)
    )
    assert result["n_taxonomy_docs"] == 3
    assert result["macro_f1"] == 1.0
    result, _ = run_eval("--train", str(train_csv), "--test", str(test_csv))
    assert result["n_taxonomy_docs"] == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("一级分类,三级分类\n环境保护,噪音污染\n".encode(), "problem"),
        (b"", "文件为空"),
    ],
    ids=["missing", "missing-column", "empty"],
)
def test_classify_eval_bad_taxonomy_file(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    train_csv = write_csv(tmp_path / "train.csv", synthetic(4, seed=5))
    path = tmp_path / "tax.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run_eval("--train", str(train_csv), "--test", str(train_csv), "--taxonomy", str(path))


def test_classify_eval_prints_json_contract_last(tmp_path: Path) -> None:
    train_csv = write_csv(tmp_path / "train.csv", synthetic(12, seed=5))
    test_csv = write_csv(tmp_path / "test.csv", synthetic(4, seed=6), label_col="一级分类")
    unl = write_csv(tmp_path / "unl.csv", synthetic(6, seed=7), label_col=None)
    unl_empty = write_csv(
        tmp_path / "unl2.csv", [(t, b, "") for t, b, _ in synthetic(3, seed=8)], "一级分类"
    )
    result, _ = run_eval(
        "--train", str(train_csv), "--test", str(test_csv), "--unlabeled", str(unl), str(unl_empty)
    )
    assert result["macro_f1"] == 1.0
    assert result["accuracy"] == 1.0
    assert result["per_class_f1"] == dict.fromkeys(sorted(TOPICS), 1.0)
    assert result["n_train"] == 36
    assert result["n_test"] == 12
    assert result["n_unlabeled"] == 27
    # classify_eval trains the shipped model: version 4 (word block, taxonomy options).
    assert result["model_version"] == MODEL_VERSION
    assert isinstance(result["train_seconds"], float)
    assert isinstance(result["predict_per_second"], float)
    assert result["predict_per_second"] > 0


def test_classify_eval_scores_mistakes(tmp_path: Path) -> None:
    train_csv = write_csv(tmp_path / "train.csv", synthetic(10, seed=5))
    # Swap the labels of two test classes: those become wrong, the third stays right.
    swap = {"交通运输": "教育文体", "教育文体": "交通运输", "环境保护": "环境保护"}
    test_rows = [(t, b, swap[lab]) for t, b, lab in synthetic(3, seed=6)]
    result, _ = run_eval(
        "--train", str(train_csv), "--test", str(write_csv(tmp_path / "t.csv", test_rows))
    )
    assert result["accuracy"] == pytest.approx(1 / 3, abs=1e-3)
    assert result["per_class_f1"] == {"交通运输": 0.0, "教育文体": 0.0, "环境保护": 1.0}
    assert result["macro_f1"] == pytest.approx(1 / 3, abs=1e-3)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "nope.csv", "no such file"),
        (lambda d: d, "is a directory"),
        (
            lambda d: _write(
                d / "gbk.csv", "留言主题,留言详情,一级标签\n公交,太远,交通运输\n".encode("gbk")
            ),
            "not UTF-8",
        ),
        (
            lambda d: _write(d / "cols.csv", "标题,内容,一级标签\na,b,c\n".encode()),
            "missing column",
        ),
        (lambda d: _write(d / "empty.csv", b"\xe7\x95\x99"), "no data rows"),
        (lambda d: write_csv(d / "nolab.csv", synthetic(2, 1), label_col=None), "no label column"),
        (
            lambda d: write_csv(d / "blank.csv", [(t, b, "") for t, b, _ in synthetic(2, 1)]),
            "is empty",
        ),
        (
            lambda d: write_csv(d / "some.csv", [*synthetic(2, 1), ("公交", "太远", "")]),
            "1 of 7 rows have no label",
        ),
    ],
)
def test_classify_eval_bad_test_file(tmp_path: Path, make: object, message: str) -> None:
    train_csv = write_csv(tmp_path / "train.csv", synthetic(4, seed=5))
    bad = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(CommandError, match=message):
        run_eval("--train", str(train_csv), "--test", str(bad))


def test_classify_eval_bad_unlabeled_file(tmp_path: Path) -> None:
    train_csv = write_csv(tmp_path / "train.csv", synthetic(4, seed=5))
    with pytest.raises(CommandError, match=r"missing\.csv: no such file"):
        run_eval(
            "--train",
            str(train_csv),
            "--test",
            str(train_csv),
            "--unlabeled",
            str(tmp_path / "missing.csv"),
        )


def test_classify_eval_cli_error_has_no_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "classify_eval",
            "--train",
            str(tmp_path / "x.csv"),
            "--test",
            "y.csv",
        ],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "no such file" in result.stderr
    assert "Traceback" not in result.stderr


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# ---- real data ----------------------------------------------------------------------

DATA = Path(settings.BASE_DIR).parent / "shared" / "data" / "tipdm2020c"


@pytest.mark.slow
def test_real_data_single_split_macro_f1() -> None:
    """Train on 80 % of the labelled file (plus the official unlabelled test file), score 20 %."""
    docs, labels = read_messages(DATA / "attachment2_train.csv", need_labels=True)
    unlabeled, _ = read_messages(DATA / "attachment2_unlabeled.csv", need_labels=False)
    train_idx, test_idx = train_test_split(
        np.arange(len(docs)), test_size=0.2, stratify=labels, random_state=7
    )
    model = ClassifierModel.fit(
        [docs[i] for i in train_idx], [labels[i] for i in train_idx], unlabeled
    )
    predicted = model.predict_labels([docs[i] for i in test_idx])
    macro = f1_score([labels[i] for i in test_idx], predicted, average="macro")
    assert macro >= 0.80
