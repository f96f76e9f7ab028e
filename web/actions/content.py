"""Knowledge items: who sees, writes, edits, deletes and restores them.

Visibility: an item restricted to teams is, for everyone outside them, indistinguishable from an item
that never existed (404 everywhere, no counts, no versions). Writing: contributors publish as
themselves, keep the item visible to their own team, never change the official mark, and never choose
ids (a chosen id could collide with a hidden or deleted item and so reveal or take it over); L&D may do
all of that.
"""

from __future__ import annotations

import uuid

import numpy as np

from models.errors import ConflictError, ForbiddenError, InvalidInputError, KnowhowError, NotFoundError
from models.records import Content, utc_now
from models.request_store import ACTIVE_STATES
from web.actions.policy import publishes_for_others, require_editor
from web.auth import Viewer
from web.schemas import ContentIn
from web.services import Services

# Fields the app decides, never the client: a whole replacement keeps them from the stored item.
KEPT_ON_REPLACE = ("created", "created_by")
# Not carried into a partial change: a save through the app confirms the item, so its review clock
# restarts (verified now, by the editor) and its next review date is computed again.
RESET_ON_SAVE = ("verified", "verified_by", "review_due")
MATCHED_REQUESTS = 500  # newest waiting requests of each kind a published item is matched against


def not_found(content_id: str) -> NotFoundError:
    return NotFoundError(f"no content item with id {content_id!r}")


def visible_item(services: Services, viewer: Viewer, content_id: str) -> dict:
    """The item, or NotFoundError both when it does not exist and when the viewer may not see it."""
    row = services.store.get_content(content_id)
    if row is None or not viewer.audience.sees(row["visible_teams"]):
        raise not_found(content_id)
    return row


def editable_item(services: Services, viewer: Viewer, content_id: str) -> dict:
    item = visible_item(services, viewer, content_id)
    require_editor(viewer, item)
    return item


def list_items(services: Services, viewer: Viewer, limit: int, offset: int, tag: str | None = None,
               kind: str | None = None, author: str | None = None, sort: str = "newest",
               in_service: bool = False) -> tuple[list[dict], int]:
    return services.store.list_content(limit, offset, tag, kind, author, sort, viewer.audience, in_service)


def create_item(services: Services, viewer: Viewer, draft: ContentIn) -> dict:
    """A new item under a generated id (L&D may choose one); findable by the next search."""
    _require_writer(viewer)
    if draft.id is not None:
        if viewer.role != "lnd":
            raise ForbiddenError("only L&D chooses item ids; leave `id` out and one is made")
        if services.store.content_exists(draft.id):
            raise ConflictError(f"content item {draft.id!r} exists; use PUT to replace it")
    content_id = draft.id or new_content_id()
    return _save(services, viewer, content_id, draft, None)


def replace_item(services: Services, viewer: Viewer, content_id: str, draft: ContentIn) -> tuple[dict, bool]:
    """Replace an item whole, or (L&D only) create it under this id; returns (item, created)."""
    _require_writer(viewer)
    existing = services.store.get_content(content_id)
    if existing is None or not viewer.audience.sees(existing["visible_teams"]):
        if viewer.role != "lnd":  # the same answer for "never existed" and "hidden from you"
            raise not_found(content_id)
        return _save(services, viewer, content_id, draft, None), True
    require_editor(viewer, existing)
    return _save(services, viewer, content_id, draft, existing), False


def publish_answer(services: Services, viewer: Viewer, draft: ContentIn) -> dict:
    """An answer to a question, by someone it was routed to (who may not be a contributor yet): the same
    rules as any new item, only the role is the question's to decide."""
    return _save(services, viewer, new_content_id(), draft, None)


def _require_writer(viewer: Viewer) -> None:
    if not viewer.at_least("contributor"):
        raise ForbiddenError("writing needs the contributor role (one click on the Contribute page)")


def update_item(services: Services, viewer: Viewer, content_id: str, changes: dict) -> dict:
    """Change some fields of an item (PATCH): the others keep their stored values."""
    existing = editable_item(services, viewer, content_id)
    current = {k: v for k, v in existing.items() if k not in ("extra", "views", "id", *RESET_ON_SAVE)}
    merged = ContentIn.model_validate({**(existing.get("extra") or {}), **current, **changes})
    return _save(services, viewer, content_id, merged, existing)


def _save(services: Services, viewer: Viewer, content_id: str, draft: ContentIn, existing: dict | None) -> dict:
    record = _checked_record(services, viewer, content_id, draft, existing)
    services.indexer.save_content(record, edited_by=viewer.username)
    item = services.store.get_content(content_id)
    if not item["visible_teams"]:  # a restricted item would tell requesters outside its teams about it
        tell_requesters(services, item)
    return item


def tell_requesters(services: Services, item: dict) -> list[int]:
    """Open content requests ("Request this content") and gap requests (L&D's, to an expert) that the item
    now answers - some passage of it is as close to the request as an answer must be to a question - are
    done, fulfilled by the item, and their requesters told. Returns their ids."""
    store = services.store
    waiting = [r for kind in ("content", "gap")
               for r in store.list_requests(kind=kind, statuses=ACTIVE_STATES, limit=MATCHED_REQUESTS)]
    chunk_ids = list(store.chunk_ids_of_content([item["id"]]))
    if not waiting or not chunk_ids:
        return []
    passages = np.vstack([matrix for _, matrix in store.iter_vectors("chunks", chunk_ids)] or [np.zeros((0, 1))])
    if passages.shape[0] == 0:  # still embedding (a long item): its requesters hear on the next edit
        return []
    closeness = (services.embedder.encode([r["subject"] for r in waiting]) @ passages.T).max(axis=1)
    answered = [r for r, score in zip(waiting, closeness.tolist()) if score >= services.profile.request_match]
    if answered:
        with store.transaction():
            for r in answered:
                store.set_request_status(r["id"], "done", item["id"])
                store.notify([r["requester"]], "content_request", f"Published, for your request: {item['title']}",
                             f"/content/{item['id']}")
    return [r["id"] for r in answered]


def _checked_record(services: Services, viewer: Viewer, content_id: str, draft: ContentIn,
                    existing: dict | None) -> Content:
    problems = draft_problems(services, viewer, draft.authors, draft.visible_teams, draft.official, existing)
    problems += lifecycle_problems(services, viewer, content_id, draft.replaced_by, draft.owner)
    if problems:
        raise problems[0]
    fields = draft.model_dump(exclude={"id", "verified", "verified_by"})
    kept = {key: existing.get(key) for key in KEPT_ON_REPLACE} if existing else {"created_by": viewer.username}
    now = utc_now()
    return Content(**{**fields, **{k: v for k, v in kept.items() if v is not None}, "id": content_id,
                      "visible_teams": canonical_teams(services, draft.visible_teams), "updated": now,
                      "verified": now, "verified_by": viewer.username})


def lifecycle_problems(services: Services, viewer: Viewer, content_id: str | None, replaced_by: str | None,
                       owner: str | None) -> list[KnowhowError]:
    """A replacement must be another item the viewer can see, not one that is (through others) replaced
    by this one; an owner must be a person in the directory."""
    problems: list[KnowhowError] = []
    if replaced_by is not None:
        target = services.store.get_content(replaced_by)
        if target is None or not viewer.audience.sees(target["visible_teams"]):
            problems.append(InvalidInputError(f"no content item {replaced_by!r} to be replaced by",
                                              field="replaced_by"))
        elif replaced_by == content_id or content_id in services.store.replacement_chain(replaced_by):
            problems.append(InvalidInputError("that item is itself replaced by this one: replacements cannot go "
                                              "round in a circle", field="replaced_by"))
    if owner is not None and not services.store.existing_person_ids([owner]):
        problems.append(InvalidInputError(f"no person {owner!r} to own the item", field="owner"))
    return problems


def draft_problems(services: Services, viewer: Viewer, authors: list[str], visible_teams: list[str],
                   official: bool, existing: dict | None) -> list[KnowhowError]:
    """Every reason the viewer may not save a draft with these authors, teams and official mark (a new
    item when `existing` is None), so a form can show them all at once."""
    problems: list[KnowhowError] = []
    lnd = publishes_for_others(viewer)
    if official != bool(existing and existing["official"]) and not lnd:
        problems.append(ForbiddenError("only L&D marks items official (or removes the mark)"))
    if not lnd and (problem := _authorship_problem(viewer, authors, existing)):
        problems.append(problem)
    unknown = set(authors) - services.store.existing_person_ids(authors)
    if unknown:
        problems.append(InvalidInputError(f"unknown author id(s): {', '.join(sorted(unknown))}", field="authors"))
    try:
        teams = canonical_teams(services, visible_teams)
        if not lnd and (problem := _own_team_problem(viewer, teams)):
            problems.append(problem)
    except InvalidInputError as exc:
        problems.append(exc)
    return problems


def _authorship_problem(viewer: Viewer, authors: list[str], existing: dict | None) -> ForbiddenError | None:
    """Contributors write as themselves: a new item names them; an edit keeps its first author."""
    if existing is not None:
        owner = existing["authors"][0] if existing["authors"] else None
        if owner is not None and owner not in authors:
            return ForbiddenError("only L&D removes an item's first author", field="authors")
        return None
    if viewer.person_id is None:
        if authors:
            return ForbiddenError("your account is not linked to a person, so it cannot name authors; "
                                  "ask L&D to link it", field="authors")
    elif viewer.person_id not in authors:
        return ForbiddenError("you publish as yourself: include your own person id among the authors",
                              field="authors")
    return None


def canonical_teams(services: Services, teams: list[str]) -> list[str]:
    """Team names as the directory spells them (visibility compares them exactly); unknown ones refused."""
    if not teams:
        return []
    known = services.store.teams()
    by_name = {team.casefold(): team for team in known}
    unknown = [team for team in teams if team.casefold() not in by_name]
    if unknown:
        raise InvalidInputError(f"no team is called {', '.join(unknown)}; teams: {', '.join(known)}",
                                field="visible_teams")
    return list(dict.fromkeys(by_name[team.casefold()] for team in teams))


def _own_team_problem(viewer: Viewer, teams: list[str]) -> InvalidInputError | None:
    """A restricted item must stay visible to its writer's team, or they would lose it themselves."""
    if not teams or (viewer.team and viewer.team in teams):
        return None
    if not viewer.team:
        return InvalidInputError("your account belongs to no team, so you could not see the item yourself; "
                                 "leave the teams empty", field="visible_teams")
    return InvalidInputError(f"include your own team ({viewer.team}), or you could not see the item yourself",
                             field="visible_teams")


def delete_item(services: Services, viewer: Viewer, content_id: str) -> None:
    """Remove an item; its last state is kept as a version (L&D can bring it back)."""
    existing = editable_item(services, viewer, content_id)
    services.indexer.delete_content([content_id], edited_by=viewer.username)
    services.store.audit(viewer.username, "content_deleted", content_id, existing["title"])


def item_versions(services: Services, viewer: Viewer, content_id: str) -> list[dict]:
    """Earlier states of a visible item, newest first, without the states the viewer could not have seen
    (a version restricted to other teams stays restricted after the item opens up)."""
    visible_item(services, viewer, content_id)
    return [v for v in services.store.versions(content_id) if _version_visible(viewer, v)]


def _version_visible(viewer: Viewer, version: dict) -> bool:
    return viewer.audience.sees(version["record"].get("visible_teams") or [])


def restore_version(services: Services, viewer: Viewer, content_id: str, version: int,
                    ip: str | None = None) -> dict:
    """Bring an earlier version back; the state it replaces becomes a version itself, so nothing is lost."""
    editable_item(services, viewer, content_id)
    if not _version_visible(viewer, services.store.version(content_id, version)):
        raise NotFoundError(f"item {content_id!r} has no version {version}")
    services.indexer.restore_version(content_id, version, viewer.username)
    services.store.audit(viewer.username, "content_restored", content_id, f"version {version}", ip)
    return services.store.get_content(content_id)


def content_id_of(text: str) -> str | None:
    """An item named by its id or by a link to it (what people have at hand is the address bar)."""
    text = (text or "").strip()
    if "/content/" in text:
        text = text.split("/content/", 1)[1]
        for end in "?#/":
            text = text.split(end, 1)[0]
    return text or None


def new_content_id() -> str:
    return f"c-{uuid.uuid4().hex[:12]}"
