"""Intake analysis of one message: redaction suggestions, flags, content words, classification,
duplicates.

Runs in a background task after the submission has committed, so a slow or failing
model can never block or lose a submission; failures are recorded on the insight,
except a lost database connection, which fails the task so that it is retried.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict

from django.db import transaction

from liuyanban.core.jobs import is_transient
from liuyanban.lifecycle.models import Message
from liuyanban.lifecycle.redaction import author_identity

from . import classification, duplicates, lexicon
from .flags import DEFAULT_WORDLISTS, find_flags
from .models import MessageInsight, Prediction, WordList
from .redaction import find_personal_data

logger = logging.getLogger(__name__)


def wordlists() -> dict[str, list[str]]:
    """The admins' word lists, or the built-in starter lists when none are defined."""
    rows = list(WordList.objects.filter(is_active=True))
    if not rows:
        return {k: list(v) for k, v in DEFAULT_WORDLISTS.items()}
    return {row.category: row.word_set() for row in rows}


def _findings(message: Message) -> list[dict[str, object]]:
    who = author_identity(message)
    out = []
    for field in ("title", "body", "location"):
        found = find_personal_data(
            getattr(message, field),
            author_names=who.names,
            author_nicknames=who.nicknames,
            author_numbers=who.numbers,
        )
        for f in found:
            out.append({"field": field, **asdict(f)})
    return out


def _flags(message: Message) -> list[dict[str, object]]:
    lists = wordlists()
    out = []
    for field in ("title", "body"):
        for f in find_flags(getattr(message, field), lists):
            out.append({"field": field, **asdict(f)})
    return out


def _keywords(message: Message, findings: list[dict[str, object]]) -> list[str]:
    """Content words of title and body with every personal-data finding blanked out first."""
    texts = {"title": message.title, "body": message.body}
    for f in sorted(findings, key=lambda f: -int(str(f["start"]))):
        field = str(f["field"])
        if field in texts:
            start, end = int(str(f["start"])), int(str(f["end"]))
            texts[field] = texts[field][:start] + " " + texts[field][end:]
    return lexicon.message_keywords(texts["title"], texts["body"])


def _predict(message: Message) -> None:
    for target in ("domain", "kind"):
        guess = classification.predict(message.title, message.body, target)
        if guess is None:
            continue
        Prediction.objects.update_or_create(
            message=message,
            target=target,
            defaults={
                "code": guess.code,
                "confidence": guess.confidence,
                "alternatives": guess.alternatives[:3],
                "model_version": guess.version,
            },
        )


def analyse(message_id: int) -> MessageInsight | None:
    """Analyse a message and store everything found; never raises for a bad model."""
    message = Message.objects.filter(pk=message_id).first()
    if message is None:
        return None
    started = time.perf_counter()
    error = ""
    findings: list[dict[str, object]] = []
    flags: list[dict[str, object]] = []
    words: list[str] = []
    try:
        findings = _findings(message)
        flags = _flags(message)
        words = _keywords(message, findings)
        with transaction.atomic():
            sig = duplicates.store_signature(message)
            duplicates.link_duplicates(message, sig)
        _predict(message)
    except Exception as exc:  # a broken model must not lose the insight rows
        if is_transient(exc):
            # A lost connection is not a finding: fail the task so it runs again.
            raise
        logger.exception("analysis of message %s failed", message_id)
        error = f"{type(exc).__name__}: {exc}"[:500]
    insight, _ = MessageInsight.objects.update_or_create(
        message=message,
        defaults={
            "findings": findings,
            "flags": flags,
            "keywords": words,
            "error": error,
            "duration_ms": int((time.perf_counter() - started) * 1000),
        },
    )
    return insight
