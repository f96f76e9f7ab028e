"""Suggested changes to official content. Official items (safety, compliance) stay L&D's: any other
contributor who can see one, its authors included, suggests a new title, text, tags or kind with a note
why; L&D are told, see the change as a diff against the current text, and approve it (saved as an edit
by them, so the history and search follow) or reject it with a reason; the suggester is told either way
and may withdraw a suggestion while it waits.
"""

from __future__ import annotations

from models.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from web.actions import content
from web.actions.inbox import actor_name, lnd_parties, party, quoted, who_may_see
from web.actions.policy import decides_suggestions, suggests_changes
from web.auth import Viewer
from web.schemas import ContentIn
from web.services import Services
from web.textdiff import newlines, text_diff

FIELDS = ("title", "body", "tags", "kind")  # what a suggestion may change; the rest stays L&D's to set
MAX_NOTE = 1000
MAX_REASON = 1000


def _one_line(text: str | None, limit: int, field: str, what: str) -> str:
    text = " ".join((text or "").split())
    if len(text) > limit:
        raise InvalidInputError(f"keep the {what} under {limit} characters", field=field)
    return text


def editing(services: Services, viewer: Viewer, content_id: str) -> tuple[dict, bool]:
    """The item for its edit form, and whether the form suggests a change (official content, for everyone
    but L&D) rather than saving it; refuses whoever may do neither."""
    item = content.visible_item(services, viewer, content_id)
    if suggests_changes(viewer, item):
        return item, True
    content.require_editor(viewer, item)
    return item, False


def _require_suggester(viewer: Viewer, item: dict) -> None:
    if suggests_changes(viewer, item):
        return
    if decides_suggestions(viewer):
        raise ForbiddenError("L&D edit official content directly: save the change instead of suggesting it")
    if not viewer.at_least("contributor"):
        raise ForbiddenError("suggesting a change needs the contributor role (one click on the Contribute page)")
    raise ForbiddenError("only official content takes suggested changes; edit this item if you are among "
                         "its authors, or ask them")


def proposed_changes(item: dict, changes: dict) -> dict:
    """The suggested fields, cleaned as a save would clean them (tags lower-cased, the kind spelled as a
    key), keeping only those that differ from the item; refuses a suggestion that changes nothing."""
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise InvalidInputError(f"a suggestion changes only {', '.join(FIELDS)}, not {', '.join(unknown)}",
                                field=unknown[0])
    given = {key: value for key, value in changes.items() if value is not None}
    if isinstance(given.get("body"), str):
        given["body"] = newlines(given["body"])
        if given["body"] == newlines(item["body"]):
            del given["body"]  # only its line ends differ (a browser posts "\r\n")
    cleaned = ContentIn.model_validate({**{key: item[key] for key in FIELDS}, **given})
    proposed = {key: getattr(cleaned, key) for key in FIELDS if key in given and getattr(cleaned, key) != item[key]}
    if not proposed:
        raise InvalidInputError("the suggestion changes nothing: change the title, the text, the tags or the kind")
    return proposed


def suggest(services: Services, viewer: Viewer, content_id: str, changes: dict, note: str = "") -> dict:
    """Suggest a change to an official item; L&D are told and review it."""
    item = content.visible_item(services, viewer, content_id)
    _require_suggester(viewer, item)
    proposed = proposed_changes(item, changes)
    note = _one_line(note, MAX_NOTE, "note", "note")
    store = services.store
    with store.transaction():
        suggestion_id = store.add_suggestion(content_id, party(viewer), viewer.username, proposed, note,
                                             str(store.item_version(content_id)))
        store.notify(lnd_parties(services), "edit_suggested",
                     f"{actor_name(services, viewer)} suggested a change to {quoted(item['title'])}"
                     + (f": {quoted(note)}" if note else ""),
                     f"/lnd/suggestions/{suggestion_id}", actor=party(viewer))
        store.audit(viewer.username, "edit_suggested", content_id, f"suggestion {suggestion_id}")
    return store.get_suggestion(suggestion_id)


def suggestion(services: Services, viewer: Viewer, suggestion_id: int) -> dict:
    """A suggestion L&D or its suggester may see (while they may see its item); NotFoundError otherwise."""
    row = services.store.get_suggestion(suggestion_id)
    if (row is None or not viewer.audience.sees(row["item_teams"])
            or not (decides_suggestions(viewer) or row["suggester"] == party(viewer))):
        raise NotFoundError(f"no suggested change {suggestion_id}")
    return row


def listing(services: Services, viewer: Viewer, status: str | None = None, limit: int = 50,
            offset: int = 0) -> tuple[list[dict], int]:
    """Suggestions newest first: everyone's for L&D, one's own for anyone else."""
    mine = None if decides_suggestions(viewer) else party(viewer)
    return services.store.suggestions(viewer.audience, status, mine, None, limit, offset)


def pending_count(services: Services, viewer: Viewer) -> int:
    """What L&D's navigation shows waiting; nothing for anyone else."""
    return services.store.pending_suggestion_count() if decides_suggestions(viewer) else 0


def waiting_on(services: Services, viewer: Viewer, item: dict) -> list[dict]:
    """The viewer's own suggestions on the item that wait for L&D (its page says so)."""
    if not viewer.signed_in:
        return []
    rows, _ = services.store.suggestions(viewer.audience, "pending", party(viewer), item["id"], 20, 0)
    return rows


def changes(item: dict, proposed: dict) -> dict:
    """What approving would change in the item as it is now: title and kind before and after, tags added
    and removed, and the text as a diff (a list of {op, text}); None for what would stay."""
    shown: dict = {key: None for key in FIELDS}
    for key in ("title", "kind"):
        if key in proposed and proposed[key] != item[key]:
            shown[key] = {"before": item[key], "after": proposed[key]}
    if "tags" in proposed and proposed["tags"] != item["tags"]:
        shown["tags"] = {"before": item["tags"], "after": proposed["tags"],
                         "added": [t for t in proposed["tags"] if t not in item["tags"]],
                         "removed": [t for t in item["tags"] if t not in proposed["tags"]]}
    if "body" in proposed and proposed["body"] != item["body"]:
        shown["body"] = text_diff(item["body"], proposed["body"])
    return shown


def review(services: Services, viewer: Viewer, suggestion_id: int) -> dict:
    """A suggestion with its change as a diff against the item's current text, whether the item changed
    since the suggestion was written, and what the viewer may do with it."""
    row = suggestion(services, viewer, suggestion_id)
    item = services.store.get_content(row["content_id"])
    pending = row["status"] == "pending"
    return {"suggestion": row, "item": item, "diff": changes(item, row["proposed"]),
            "item_changed": row["item_changed"],
            "may_decide": pending and decides_suggestions(viewer),
            "may_withdraw": pending and row["suggester"] == party(viewer)}


def _pending(services: Services, viewer: Viewer, suggestion_id: int) -> dict:
    row = suggestion(services, viewer, suggestion_id)
    if not decides_suggestions(viewer):
        raise ForbiddenError("only L&D approve or reject suggested changes")
    if row["status"] != "pending":
        raise ConflictError(f"this suggestion was {row['status']} already")
    return row


def _decided(services: Services, viewer: Viewer, suggestion_id: int, status: str, reason: str | None) -> None:
    if not services.store.decide_suggestion(suggestion_id, status, viewer.username, reason):
        raise ConflictError("this suggestion was decided or withdrawn meanwhile")


def approve(services: Services, viewer: Viewer, suggestion_id: int) -> dict:
    """Apply the suggested fields to the item as it is now, saved as L&D's edit (the previous text becomes
    a version, search follows), and tell the suggester."""
    row = _pending(services, viewer, suggestion_id)
    item = content.update_item(services, viewer, row["content_id"], row["proposed"])
    store = services.store
    with store.transaction():
        _decided(services, viewer, suggestion_id, "approved", None)
        store.notify(who_may_see(services, [row["suggester"]], item), "suggestion_decided",
                     f"{actor_name(services, viewer)} approved your suggested change to {quoted(item['title'])}",
                     f"/content/{item['id']}", actor=party(viewer))
        store.audit(viewer.username, "suggestion_approved", item["id"], f"suggestion {suggestion_id}")
    return store.get_suggestion(suggestion_id)


def reject(services: Services, viewer: Viewer, suggestion_id: int, reason: str) -> dict:
    """Decline a suggestion, saying why; the suggester is told the reason."""
    row = _pending(services, viewer, suggestion_id)
    reason = _one_line(reason, MAX_REASON, "reason", "reason")
    if not reason:
        raise InvalidInputError("say why, so the suggester knows what to change", field="reason")
    item = services.store.get_content(row["content_id"])
    store = services.store
    with store.transaction():
        _decided(services, viewer, suggestion_id, "rejected", reason)
        store.notify(who_may_see(services, [row["suggester"]], item), "suggestion_decided",
                     f"{actor_name(services, viewer)} declined your suggested change to {quoted(item['title'])}: "
                     f"{quoted(reason)}", f"/content/{item['id']}", actor=party(viewer))
        store.audit(viewer.username, "suggestion_rejected", item["id"], f"suggestion {suggestion_id}: {reason}")
    return store.get_suggestion(suggestion_id)


def withdraw(services: Services, viewer: Viewer, suggestion_id: int) -> dict:
    """The suggester takes back a suggestion that still waits."""
    row = suggestion(services, viewer, suggestion_id)
    if row["suggester"] != party(viewer):
        raise ForbiddenError("only whoever suggested a change withdraws it")
    if row["status"] != "pending":
        raise ConflictError(f"this suggestion was {row['status']} already")
    _decided(services, viewer, suggestion_id, "withdrawn", None)
    return services.store.get_suggestion(suggestion_id)
