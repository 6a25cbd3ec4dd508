"""Training the platform's own classifiers from messages whose labels staff confirmed.

Besides the confirmed messages, a training run uses the text of the other messages
(unlabelled: IDF and self-training) and, for the domain, the names of the taxonomy below
each top-level domain (pseudo-documents).

A message's domain counts as confirmed once an office accepted it (staff read it and
routed it), or once someone confirmed or corrected the prediction. A fixed fifth of
those messages (by id) is held out; a new model is promoted only if it scores at
least as well as the active one on that same held-out part.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from sklearn.metrics import f1_score

from liuyanban.core.progress import Tracker, advance, begin
from liuyanban.lifecycle.models import Message
from liuyanban.taxonomy.selectors import names_below_top_level

from . import classification
from .classifier import ClassifierModel, Doc
from .models import ModelVersion, Prediction

logger = logging.getLogger(__name__)
UNLABELLED_LIMIT = 20_000
# The newest accepted messages a retraining learns from (plus every staff correction).
TRAINING_LIMIT = 10_000


@dataclass(frozen=True)
class TrainingReport:
    """The outcome of one training run."""

    version: str
    n_train: int
    n_holdout: int
    macro_f1: float
    previous_f1: float | None
    promoted: bool
    reason: str


def _label(message: Message, target: str, confirmed: dict[int, str]) -> str:
    if message.pk in confirmed:
        return confirmed[message.pk]
    return message.domain.code if target == "domain" else message.kind.code


def labelled_messages(
    target: str = "domain", limit: int = TRAINING_LIMIT
) -> list[tuple[Message, str]]:
    """Messages with a staff-confirmed label for ``target``: the newest ``limit`` accepted.

    Every message a staff member corrected is kept whatever its age; of the accepted
    messages (whose domain and kind the office confirmed) only the newest ``limit``, so a
    retraining reads a bounded set at any size of the platform (at 4.2 M messages, loading
    every accepted message took a task worker to 14 GB). Only the fields training reads.
    """
    confirmed = dict(
        Prediction.objects.filter(target=target)
        .exclude(confirmed_code="")
        .values_list("message_id", "confirmed_code")
    )
    accepted = Message.objects.filter(accepted_at__isnull=False)
    cutoff = accepted.order_by("-pk").values_list("pk", flat=True)[limit - 1 : limit].first()
    qs = (
        Message.objects.filter(
            Q(accepted_at__isnull=False, pk__gte=cutoff or 0) | Q(pk__in=list(confirmed))
        )
        .select_related("domain", "kind")
        .only("pk", "title", "body", "domain__code", "kind__code")
    )
    return [(m, _label(m, target, confirmed)) for m in qs.order_by("pk")]


def _is_holdout(message_id: int) -> bool:
    return message_id % 5 == 0


def _score(model: ClassifierModel, docs: list[Doc], labels: list[str]) -> float:
    predicted = model.predict_labels(docs)
    return float(f1_score(labels, predicted, average="macro", zero_division=0))


def train(
    target: str = "domain",
    *,
    min_samples: int = 30,
    force: bool = False,
    tracker: Tracker | None = None,
) -> TrainingReport:
    """Train a new version, evaluate it against the active one, and promote it if not worse.

    ``tracker`` (a progress bar) counts messages: read, learned from, then scored on the
    held-out part by the new model and by the active one.
    """
    rows = labelled_messages(target)
    train_rows = [(m, y) for m, y in rows if not _is_holdout(m.pk)]
    hold_rows = [(m, y) for m, y in rows if _is_holdout(m.pk)]
    if len(train_rows) < min_samples or len({y for _m, y in train_rows}) < 2:
        raise ValueError(
            f"需要至少 {min_samples} 条已确认的留言（至少两个类别）才能训练，目前 {len(train_rows)} 条"
        )
    previous = classification.active_model(target)
    begin(tracker, len(rows) + len(train_rows) + len(hold_rows) * (2 if previous else 1))
    advance(tracker, len(rows))
    labelled_ids = {m.pk for m, _y in rows}
    unlabelled = [
        Doc(t, b)
        for pk, t, b in Message.objects.order_by("-pk").values_list("pk", "title", "body")[
            :UNLABELLED_LIMIT
        ]
        if pk not in labelled_ids
    ]
    # The operator's taxonomy: the names below each top-level domain teach the model
    # what the domain covers (pseudo-documents, see ``classifier.taxonomy_docs``).
    taxonomy = names_below_top_level("code") if target == "domain" else None
    model = ClassifierModel.fit(
        [Doc(m.title, m.body) for m, _y in train_rows],
        [y for _m, y in train_rows],
        unlabelled,
        taxonomy=taxonomy,
    )
    advance(tracker, len(train_rows))
    hold_docs = [Doc(m.title, m.body) for m, _y in hold_rows]
    hold_labels = [y for _m, y in hold_rows]
    score = _score(model, hold_docs, hold_labels) if hold_rows else 0.0
    advance(tracker, len(hold_rows))
    previous_score = _score(previous[1], hold_docs, hold_labels) if previous and hold_rows else None
    if previous:
        advance(tracker, len(hold_rows))
    promote = force or previous_score is None or score >= previous_score
    version = f"{target}-{datetime.now(tz=timezone.get_current_timezone()):%Y%m%d%H%M%S%f}"
    path = classification.models_dir() / f"{version}.pkl"
    model.metrics.update(macro_f1_holdout=score, n_holdout=len(hold_rows))
    model.save(path)
    with transaction.atomic():
        if promote:
            ModelVersion.objects.filter(target=target, is_active=True).update(is_active=False)
        ModelVersion.objects.create(
            target=target,
            version=version,
            path=str(path),
            metrics=model.metrics,
            n_train=len(train_rows),
            is_active=promote,
            note=""
            if promote
            else f"未启用：留出集 macro-F1 {score:.3f} 低于当前 {previous_score:.3f}",
        )
    reason = "promoted" if promote else "worse than the active model on the held-out part"
    return TrainingReport(
        version, len(train_rows), len(hold_rows), score, previous_score, promote, reason
    )
