"""Asking: knowledge and people for a question, as the asker may see them, logged for L&D's gaps."""

from __future__ import annotations

from finder.experts import Expert
from finder.search import Answer, clean_query
from models.errors import InvalidInputError
from web.actions.reactions import signature
from web.auth import Viewer
from web.services import Services

MAX_NOTE = 2000


def who_asks(viewer: Viewer, asker: str | None) -> str | None:
    """Whom a question is logged for: the signed-in person, or (L&D integrations only) the person named."""
    return asker if asker and viewer.role == "lnd" else viewer.person_id


def ask(services: Services, viewer: Viewer, question: str, k: int = 10, experts: int = 5, source: str = "api",
        asker: str | None = None, log: bool = True, mentor_only: bool = False) -> Answer:
    return services.finder.ask(question, k=k, experts=experts, source=source, log=log, mentor_only=mentor_only,
                               asker=who_asks(viewer, asker), audience=viewer.audience)


def find_experts(services: Services, viewer: Viewer, question: str, k: int = 10, mentor_only: bool = False,
                 asker: str | None = None, source: str = "api") -> list[Expert]:
    return services.finder.experts(question, k=k, mentor_only=mentor_only, source=source,
                                   asker=who_asks(viewer, asker), audience=viewer.audience)


def request_content(services: Services, viewer: Viewer, question: str, query_id: str | None, note: str) -> int:
    """"Request this content": the question lands among the requests L&D's gap list reads."""
    question = clean_query(question, services.settings.max_query_chars)
    if query_id and services.store.get_query(query_id) is None:
        query_id = None
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidInputError(f"keep the note under {MAX_NOTE} characters", field="note")
    return services.store.add_request("content", signature(viewer), question, note, query_id=query_id)


def stats(services: Services, viewer: Viewer) -> dict[str, int]:
    """Counts for a status line: L&D sees the whole store; others only what they may see."""
    if viewer.audience.everything:
        return services.store.stats()
    _, people = services.store.list_people(1, 0)
    _, mentors = services.store.list_people(1, 0, mentor=True)
    _, content = services.store.list_content(1, 0, audience=viewer.audience)
    return {"people": people, "mentors": mentors, "content": content}
