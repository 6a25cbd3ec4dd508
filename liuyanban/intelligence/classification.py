"""The platform's classifier service: load the active model version, predict, record.

Training and the model itself live in ``classifier.py``; this module connects it to
the database (versions, predictions, corrections as training data).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings

from .models import ModelVersion

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_loaded: dict[str, tuple[str, Any]] = {}


class Classifier(Protocol):
    """What a trained model offers (see ``classifier.py``)."""

    def predict_texts(
        self, titles: list[str], bodies: list[str]
    ) -> list[tuple[str, float, list[tuple[str, float]]]]: ...


@dataclass(frozen=True)
class Guess:
    """A predicted label with its confidence, alternatives and the model version."""

    code: str
    confidence: float
    alternatives: list[tuple[str, float]]
    version: str


def models_dir() -> Path:
    path = Path(settings.LIUYANBAN.get("MODELS_DIR", settings.VAR_DIR / "models"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def active_model(target: str = "domain") -> tuple[str, Classifier] | None:
    """The promoted model for ``target``, loaded once per process and version."""
    row = ModelVersion.objects.filter(target=target, is_active=True).order_by("-created_at").first()
    if row is None:
        return None
    cached = _loaded.get(target)
    if cached and cached[0] == row.version:
        return cached[0], cached[1]
    with _lock:
        from .classifier import load_model

        try:
            model = load_model(Path(row.path))
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
    code, confidence, alternatives = model.predict_texts([title], [body])[0]
    return Guess(code, confidence, alternatives, version)
