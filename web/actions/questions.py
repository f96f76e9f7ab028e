"""Questions to the experts: asking one (after seeing whether it was asked before), routing it, answering
it, accepting and voting answers, escalating what nobody answers, and L&D re-routing.

Who may do what: any employee asks; the people a question was routed to and any contributor answer;
only the asker accepts an answer; anyone but its author votes an answer helpful; only L&D re-routes.
An answer is a content item of kind `answer`, authored by the answerer and findable by the next search.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from finder.routing import Candidate, choose_experts
from finder.search import clean_query
from models.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from models.records import utc_now
from web.actions import content as content_actions
from web.actions.policy import require_lnd
from web.actions.inbox import lnd_parties
from web.actions.reactions import signature
from web.auth import Viewer
from web.schemas import ContentIn
from web.services import Services

MAX_ROUNDS = 2  # rounds of experts before a question nobody answered goes to L&D
SIMILAR_SHOWN = 5


def ask_experts(services: Services, viewer: Viewer, title: str, details: str = "", tags: list[str] | None = None,
                query_id: str | None = None) -> dict:
    """Post a question and route it to up to three experts (or to L&D's queue when nobody fits)."""
    title = clean_query(title, services.settings.max_query_chars)
    if query_id and services.store.get_query(query_id) is None:
        query_id = None
    vector = services.embedder.encode_query(title)
    chosen = _choose_experts(services, f"{title}. {details}", exclude={signature(viewer)})
    with services.store.transaction():  # the question and where it went commit together, or neither
        question_id = services.store.add_question(title, details.strip(), tags or [], signature(viewer), query_id,
                                                  vector, None)
        _record_round(services, question_id, title, chosen, round_=1)
    return question_view(services, viewer, question_id)


def similar_questions(services: Services, viewer: Viewer, text: str) -> list[dict]:
    """Questions already asked that read like this one (the same need in other words), answered first."""
    text = clean_query(text, services.settings.max_query_chars)
    rows, vectors = services.store.question_vectors(("open", "in_progress", "done"))
    if not rows:
        return []
    scores = vectors @ services.embedder.encode_query(text)
    close = [(float(s), row) for s, row in zip(scores.tolist(), rows) if s >= services.profile.feedback]
    close.sort(key=lambda pair: (pair[1]["status"] != "done", -pair[0]))
    return [{**row, "similarity": round(score, 4)} for score, row in close[:SIMILAR_SHOWN]]


def _choose_experts(services: Services, text: str, exclude: set[str]) -> list:
    """The next people to ask about `text` (none when nobody passes the floor)."""
    store = services.store
    experts = services.finder.experts(text[:services.settings.max_query_chars], k=20, log=False)
    load = store.open_question_load(e.id for e in experts)
    answering = store.answering(e.id for e in experts)
    candidates = [Candidate(e, *answering.get(e.id, (False, False)), load.get(e.id, 0)) for e in experts]
    return choose_experts(candidates, exclude)


def _record_round(services: Services, question_id: str, title: str, chosen: list, round_: int) -> None:
    """Route to the chosen people and tell them, or (nobody chosen) put the question in L&D's queue;
    in the caller's transaction."""
    store = services.store
    if chosen:
        store.add_routes(question_id, [e.id for e in chosen], round_, "ranker")
        store.update_question(question_id, round=round_, escalate_at=_escalation_time(services))
        store.notify([e.id for e in chosen], "question_routed", f"A question for you: {title}",
                     f"/questions/{question_id}")
    else:
        store.update_question(question_id, lnd_queue=1, escalate_at=None)
        store.notify(lnd_parties(services), "question_escalated", f"Nobody could be found to answer: {title}",
                     f"/questions/{question_id}")


def _escalation_time(services: Services, now: datetime | None = None) -> str:
    """`question_working_days` working days (Monday to Friday) from now."""
    moment = now or datetime.now(timezone.utc)
    left = services.settings.question_working_days
    while left > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment.replace(microsecond=0).isoformat()


def escalate_due(services: Services, now: datetime | None = None) -> int:
    """Offer every overdue unanswered question to the next experts (or, after the last round, to L&D).
    Runs before questions are listed, so nothing depends on a background timer; returns how many moved."""
    now_iso = (now or utc_now()).isoformat()
    due = services.store.due_for_escalation(now_iso)
    for question_id in due:
        question = services.store.get_question(question_id)
        if question["round"] >= MAX_ROUNDS:
            with services.store.transaction():
                services.store.update_question(question_id, lnd_queue=1, escalate_at=None)
                services.store.notify(lnd_parties(services), "question_escalated",
                                      f"Unanswered after {MAX_ROUNDS} rounds of experts: {question['title']}",
                                      f"/questions/{question_id}")
        else:
            asked = {r["person_id"] for r in services.store.routes_of(question_id)}
            chosen = _choose_experts(services, f"{question['title']}. {question['details']}",
                                     {question["asker"]} | asked)
            with services.store.transaction():
                _record_round(services, question_id, question["title"], chosen, question["round"] + 1)
    return len(due)


def reroute(services: Services, viewer: Viewer, question_id: str, person_ids: list[str]) -> dict:
    """L&D sends a question to the people they choose (by name on the page)."""
    require_lnd(viewer, "re-routes questions")
    question = services.store.get_question(question_id)
    known = services.store.existing_person_ids(person_ids)
    if not person_ids or set(person_ids) - known:
        raise InvalidInputError(f"choose people from the directory (unknown: {', '.join(sorted(set(person_ids) - known))})"
                                if person_ids else "choose at least one person", field="person_ids")
    with services.store.transaction():
        services.store.stop_waiting(question_id)
        services.store.add_routes(question_id, person_ids, question["round"], "lnd")
        services.store.update_question(question_id, lnd_queue=0, escalate_at=_escalation_time(services))
        services.store.notify(person_ids, "question_routed", f"L&D asks you: {question['title']}",
                              f"/questions/{question_id}", actor=signature(viewer))
    return question_view(services, viewer, question_id)


def set_answering(services: Services, viewer: Viewer, answers_questions: bool, away: bool) -> None:
    """One's own answering preference: routed questions or not, and away (nobody routes to you)."""
    if viewer.person_id is None:
        raise ForbiddenError("your account is not linked to a person, so nothing is routed to it")
    services.store.set_answering(viewer.person_id, answers_questions, away)


def may_answer(viewer: Viewer, routes: list[dict]) -> bool:
    return viewer.at_least("contributor") or any(r["person_id"] == viewer.person_id for r in routes)


def answer(services: Services, viewer: Viewer, question_id: str, body: str) -> dict:
    """Publish an answer as a knowledge item of kind `answer`, authored by the answerer."""
    store = services.store
    question = store.get_question(question_id)
    routes = store.routes_of(question_id)
    if not may_answer(viewer, routes):
        raise ForbiddenError("the experts a question was routed to, and contributors, answer it")
    if viewer.person_id is None:
        raise ForbiddenError("your account is not linked to a person, so it cannot author an answer; ask L&D")
    if not body.strip():
        raise InvalidInputError("write the answer", field="body")
    draft = ContentIn(title=question["title"], body=body, kind="answer", tags=question["tags"],
                      authors=[viewer.person_id], question_id=question_id)
    item = content_actions.publish_answer(services, viewer, draft)
    with store.transaction():
        store.add_answer(question_id, item["id"], viewer.person_id)
        store.stop_waiting(question_id, [viewer.person_id])
        if question["status"] == "open":
            store.update_question(question_id, status="in_progress", escalate_at=None)
        store.notify([question["asker"]], "answer_posted", f"An answer to your question: {question['title']}",
                     f"/questions/{question_id}", actor=viewer.person_id)
    return item


def accept(services: Services, viewer: Viewer, question_id: str, content_id: str) -> dict:
    """The asker accepts one answer: the question is done and the answerer is told."""
    store = services.store
    question = store.get_question(question_id)
    if question["asker"] != signature(viewer):
        raise ForbiddenError("only the person who asked accepts an answer")
    answers = {a["content_id"]: a for a in store.answers_of(question_id)}
    if content_id not in answers:
        raise NotFoundError(f"question {question_id!r} has no answer {content_id!r}")
    with store.transaction():
        store.update_question(question_id, status="done", accepted_answer=content_id, escalate_at=None)
        store.stop_waiting(question_id)
        store.notify([answers[content_id]["author"]], "answer_accepted",
                     f"Your answer was accepted: {question['title']}", f"/questions/{question_id}",
                     actor=signature(viewer))
    return question_view(services, viewer, question_id)


def vote_helpful(services: Services, viewer: Viewer, question_id: str, content_id: str) -> dict:
    """Anyone but its author finds an answer helpful (once); a helpful answer makes the question done."""
    store = services.store
    question = store.get_question(question_id)
    answers = {a["content_id"]: a for a in store.answers_of(question_id)}
    if content_id not in answers:
        raise NotFoundError(f"question {question_id!r} has no answer {content_id!r}")
    if answers[content_id]["author"] == signature(viewer):
        raise ForbiddenError("you cannot vote for your own answer")
    if content_id in store.voted([content_id], signature(viewer)):
        raise ConflictError("you already found this answer helpful")
    with store.transaction():
        store.vote_helpful(content_id, signature(viewer))
        if question["status"] != "done":
            store.update_question(question_id, status="done", escalate_at=None)
            store.stop_waiting(question_id)
    return question_view(services, viewer, question_id)


def list_questions(services: Services, viewer: Viewer, mine: bool = False, waiting_for_me: bool = False,
                   status: str | None = None, lnd_queue: bool | None = None, limit: int = 50,
                   offset: int = 0) -> tuple[list[dict], int]:
    """Questions by filter; L&D's queue is L&D's to read."""
    escalate_due(services)
    return _questions(services, viewer, mine, waiting_for_me, status, lnd_queue, limit, offset)


def _questions(services: Services, viewer: Viewer, mine: bool = False, waiting_for_me: bool = False,
               status: str | None = None, lnd_queue: bool | None = None, limit: int = 50,
               offset: int = 0) -> tuple[list[dict], int]:
    if lnd_queue:
        require_lnd(viewer, "reads its question queue")
    if waiting_for_me and viewer.person_id is None:
        return [], 0  # nothing is routed to an account without a person
    rows, total = services.store.list_questions(
        asker=signature(viewer) if mine else None, routed_to=viewer.person_id if waiting_for_me else None,
        status=status, lnd_queue=lnd_queue, limit=limit, offset=offset)
    return [_with_routes(services, row) for row in rows], total


def hub(services: Services, viewer: Viewer) -> dict:
    """What the questions page lists for the viewer: waiting on them, asked by them, L&D's queue (L&D
    only), open ones contributors could answer, and their answering preference."""
    escalate_due(services)  # once for the four lists
    lnd = viewer.role == "lnd"
    return {
        "waiting": _questions(services, viewer, waiting_for_me=True, limit=20)[0],
        "mine": _questions(services, viewer, mine=True, limit=20)[0],
        "queue": _questions(services, viewer, lnd_queue=True, limit=50)[0] if lnd else [],
        "unanswered": _questions(services, viewer, status="open", limit=20)[0],
        "answering": services.store.answering([viewer.person_id]).get(viewer.person_id) if viewer.person_id else None,
    }


def question_view(services: Services, viewer: Viewer, question_id: str) -> dict:
    """A question with where it stands (who it waits on, until when), its answers and what the viewer may do.
    Answers restricted to teams the viewer is not in are left out, like any hidden item."""
    escalate_due(services)
    store = services.store
    question = _with_routes(services, store.get_question(question_id))
    answers = store.answers_of(question_id)
    items = store.content_by_ids(a["content_id"] for a in answers)
    shown = [{**a, "item": items[a["content_id"]]} for a in answers
             if a["content_id"] in items and viewer.audience.sees(items[a["content_id"]]["visible_teams"])]
    me = signature(viewer) if viewer.signed_in else None
    voted = store.voted([a["content_id"] for a in shown], me) if me else set()
    return {
        **question,
        "answers": [{**a, "voted": a["content_id"] in voted} for a in shown],
        "is_asker": me is not None and question["asker"] == me,
        "may_answer": viewer.signed_in and may_answer(viewer, question["routes"]),
        "may_route": viewer.role == "lnd",
    }


def _with_routes(services: Services, question: dict) -> dict:
    routes = services.store.routes_of(question["id"])
    return {**question, "routes": routes, "routed_to": [r["person_id"] for r in routes if r["waiting"]]}

