"""Writing templates per kind: a skeleton that "New item" starts from and short guidance shown beside the form.

Good defaults ship here; L&D may edit a kind's template (stored in the database) or reset it to the default.
Anyone signed in may read them; only L&D changes them.
"""

from __future__ import annotations

from models.errors import NotFoundError
from models.records import KINDS
from web.actions.policy import require_lnd
from web.auth import Viewer
from web.services import Services

MAX_SKELETON = 20_000
MAX_GUIDANCE = 5_000

DEFAULTS: dict[str, tuple[str, str]] = {
    "howto": (
        ("## Before you start\n\n- What you need (access, tools, time)\n\n"
        "## Steps\n\n1. \n2. \n3. \n\n## If it goes wrong\n\n- Symptom: what to do, or whom to ask\n"),
        ("Title it with the task (\u201cHow to \u2026\u201d or a verb). Number the steps, one action each, and say "
        "what the reader should see after the tricky ones."),
    ),
    "anecdote": (
        "## The situation\n\n\n## What we did\n\n\n## What happened\n\n\n## What I would do again (or not)\n\n",
        ("Tell one real story briefly: the context, the decision, the outcome. End with the lesson others can "
        "reuse; name the project or team so readers can ask."),
    ),
    "best_practice": (
        ("## The practice\n\nOne sentence: what to do.\n\n## Why it works\n\n\n## How to apply it\n\n1. \n2. \n\n"
        "## When not to\n\n"),
        ("State the practice first, then the evidence. Say when it does not apply: a practice without limits "
        "reads as a rule."),
    ),
    "answer": (
        "## Short answer\n\n\n## Details\n\n\n## See also\n\n- \n",
        "Answer in the first sentence, then the details. Title it with the question as people ask it.",
    ),
    "course": (
        "## What you will learn\n\n- \n\n## Who it is for\n\n\n## Before you start\n\n\n## Steps\n\n1. \n2. \n",
        ("Keep it short: a few steps, each teaching one thing. For check questions and learner progress, use "
        "New course instead."),
    ),
    "policy": (
        ("## Summary\n\nWho it applies to and what it requires, in two sentences.\n\n## The rules\n\n1. \n2. \n\n"
        "## Exceptions and who approves them\n\n\n## Owner and last review\n\n"),
        ("Official content: L&D publishes and reviews it. Say who it applies to, link the source, and keep the "
        "owner and the last review date current."),
    ),
    "article": (
        "## In short\n\n\n## Details\n\n",
        "Start with the point in a sentence or two; use headings so readers can skim.",
    ),
}


def _known(kind: str) -> None:
    if kind not in KINDS:
        raise NotFoundError(f"there is no kind {kind!r}: the kinds are " + ", ".join(KINDS))


def _shaped(kind: str, edited: dict | None) -> dict:
    skeleton, guidance = DEFAULTS[kind]
    if edited is None:
        return {"kind": kind, "skeleton": skeleton, "guidance": guidance, "customised": False, "updated": None,
                "updated_by": None}
    return {"kind": kind, "skeleton": edited["skeleton"], "guidance": edited["guidance"], "customised": True,
            "updated": edited["updated"], "updated_by": edited["updated_by"]}


def all_templates(services: Services) -> list[dict]:
    """Every kind's template, in the order of KINDS."""
    edited = services.store.writing_templates()
    return [_shaped(kind, edited.get(kind)) for kind in KINDS]


def template(services: Services, kind: str) -> dict:
    """One kind's template: L&D's edit, else the default."""
    _known(kind)
    return _shaped(kind, services.store.writing_templates().get(kind))


def save_template(services: Services, viewer: Viewer, kind: str, skeleton: str, guidance: str) -> dict:
    """L&D replaces a kind's skeleton and guidance."""
    require_lnd(viewer, "edits the writing templates")
    _known(kind)
    with services.store.transaction():
        services.store.set_writing_template(kind, skeleton, guidance, viewer.username)
    return template(services, kind)


def reset_template(services: Services, viewer: Viewer, kind: str) -> dict:
    """L&D goes back to the default that ships with Knowhow."""
    require_lnd(viewer, "resets the writing templates")
    _known(kind)
    with services.store.transaction():
        services.store.delete_writing_template(kind)
    return template(services, kind)
