"""The platform's classifier service: load the active model version, predict, record.

Training and the model itself live in ``classifier.py``; this module connects it to
the database (versions, predictions, corrections as training data).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

from .models import ModelVersion

if TYPE_CHECKING:
    from .classifier import ClassifierModel

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_loaded: dict[str, tuple[str, ClassifierModel]] = {}


@dataclass(frozen=True)
class Guess:
    """A predicted label with its confidence, alternatives and the model version."""

    code: str
    confidence: float
    alternatives: list[tuple[str, float]]
    version: str


def _classifier() -> Any:
    """The model module, imported on first use: it brings scikit-learn, SciPy and pandas
    (~140 MB per process), which only a process that loads a model needs. The web
    server imports this module (through the task definitions it enqueues) but never
    predicts, so its workers stay ~140 MB smaller."""
    from . import classifier  # deliberately late (memory, not a cycle)

    return classifier


def models_dir() -> Path:
    path = Path(settings.LIUYANBAN.get("MODELS_DIR", settings.VAR_DIR / "models"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def active_model(target: str = "domain") -> tuple[str, ClassifierModel] | None:
    """The promoted model for ``target``, loaded once per process and version."""
    row = ModelVersion.objects.filter(target=target, is_active=True).order_by("-created_at").first()
    if row is None:
        return None
    cached = _loaded.get(target)
    if cached and cached[0] == row.version:
        return cached
    with _lock:
        try:
            model = _classifier().ClassifierModel.load(Path(row.path))
        except (OSError, ValueError) as exc:
            logger.warning("cannot load model %s: %s", row.version, exc)
            return None
        _loaded[target] = (row.version, model)
    return row.version, model


def predict(title: str, body: str, target: str = "domain") -> Guess | None:
    """The active model's guess for one message, or None when no model is promoted."""
    loaded = active_model(target)
    if loaded is None:
        return None
    version, model = loaded
    proba = model.predict_proba([_classifier().Doc(title, body)])[0]
    order = proba.argsort()[::-1]
    alternatives = [(model.classes_[i], round(float(proba[i]), 4)) for i in order[:3]]
    return Guess(alternatives[0][0], alternatives[0][1], alternatives, version)
