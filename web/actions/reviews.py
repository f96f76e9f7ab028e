"""Keeping content correct: confirming an item still holds, flagging one that may not, the reviews that
are due, the owners' reminders, and the review intervals L&D sets.

The owner of an item is its `owner`, else its first author, else L&D. The owner, the authors and L&D may
confirm it ("still correct", one click); anyone who can read it may flag it as needing review, which
tells the owner why.
"""

from __future__ import annotations

from datetime import datetime

from models.errors import ForbiddenError, InvalidInputError
from models.records import utc_now
from models.review_store import checked_intervals
from models.sql import batches
from web.actions.content import editable_item, lifecycle_problems, visible_item
from web.actions.inbox import actor_name, lnd_parties, party, quoted, who_may_see
from web.actions.policy import can_edit, require_lnd
from web.auth import Viewer
from web.services import Services

MAX_REASON = 1000
REMINDERS_PER_OWNER = 20  # one day's reminders to one owner: more would be a wall nobody reads


def owner_of(item: dict) -> str | None:
    """The person who keeps the item correct, or None when L&D does."""
    return item.get("owner") or (item["authors"][0] if item.get("authors") else None)


def owners(services: Services, item: dict) -> list[str]:
    """Whom to tell about the item's review: its owner, or L&D's accounts."""
    owner = owner_of(item)
    return [owner] if owner else lnd_parties(services)


def may_confirm(viewer: Viewer, item: dict) -> bool:
    """The owner confirms, as do whoever may edit it (its authors, L&D)."""
    owner = owner_of(item)
    return can_edit(viewer, item) or (owner is not None and viewer.person_id == owner)


def confirm(services: Services, viewer: Viewer, content_id: str) -> dict:
    """"Still correct": restarts the item's review clock and lifts a "needs review" flag."""
    item = visible_item(services, viewer, content_id)
    if not may_confirm(viewer, item):
        raise ForbiddenError("only its owner, its authors and L&D may confirm it is still correct")
    if item["status"] == "archived" or item["replaced_by"]:
        raise InvalidInputError("an archived or replaced item is out of service: there is nothing to confirm")
    with services.store.transaction():
        services.store.mark_verified(content_id, viewer.username or party(viewer))
        services.store.audit(viewer.username, "content_confirmed", content_id, item["title"])
    return services.store.get_content(content_id)


def mark_replaced(services: Services, viewer: Viewer, content_id: str, replacement: str) -> dict:
    """Settle a near-duplicate pair: the older item is replaced by the newer (its editors and L&D). Only
    the mark changes: the text, its passages and its history stay as they are."""
    item = editable_item(services, viewer, content_id)
    problems = lifecycle_problems(services, viewer, content_id, replacement, None)
    if problems:
        raise problems[0]
    with services.store.transaction():
        services.store.set_replaced_by(content_id, replacement)
        services.store.audit(viewer.username, "content_replaced", content_id, f"by {replacement}: {item['title']}")
    return services.store.get_content(content_id)


def flag(services: Services, viewer: Viewer, content_id: str, reason: str) -> dict:
    """Anyone who reads an item may say it looks wrong: it shows as needing review, ranks a little lower
    until someone confirms or fixes it, and its owner is told why."""
    item = visible_item(services, viewer, content_id)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInputError("say what looks wrong, so its owner knows what to check", field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInputError(f"keep the reason under {MAX_REASON} characters", field="reason")
    if item["status"] == "archived" or item["replaced_by"]:
        raise InvalidInputError("an archived or replaced item is out of service already")
    store = services.store
    with store.transaction():
        store.set_content_status(content_id, "needs_review")
        store.notify(who_may_see(services, owners(services, item), item), "review_flagged",
                     f"{actor_name(services, viewer)} flagged {quoted(item['title'])}: {quoted(reason)}",
                     f"/content/{content_id}", actor=party(viewer))
        store.audit(viewer.username, "content_flagged", content_id, reason)
    return store.get_content(content_id)


def due(services: Services, viewer: Viewer, everyone: bool = False, limit: int = 50,
        offset: int = 0) -> tuple[list[dict], int]:
    """Items overdue for review or flagged, oldest first: the viewer's own (they own them, or are the
    first author of one without an owner), or with `everyone` (L&D) all of them."""
    if everyone:
        require_lnd(viewer, "sees everyone's reviews")
    elif viewer.person_id is None:
        return [], 0
    now = utc_now().isoformat()
    rows, total = services.store.overdue_reviews(now, limit, offset, None if everyone else viewer.person_id)
    return [row for row in rows if viewer.audience.sees(row["visible_teams"])], total


def overview(services: Services, viewer: Viewer, everyone: bool, limit: int, offset: int) -> dict:
    """What the reviews page shows the viewer: their own items to review, or everyone's when L&D asks
    (anyone else asking gets their own), each with its owner, and the intervals for L&D to set."""
    everyone = everyone and viewer.role == "lnd"
    items, total = due(services, viewer, everyone, limit, offset)
    people = services.store.people_by_ids({owner_of(i) for i in items} - {None})
    return {"items": items, "total": total, "everyone": everyone,
            "owners": {i["id"]: people.get(owner_of(i)) for i in items},
            "intervals": intervals(services) if viewer.role == "lnd" else None}


def intervals(services: Services) -> dict[str, int]:
    """Days between reviews per kind (0: never), and the cap for official content."""
    return services.store.review_intervals()


def set_intervals(services: Services, viewer: Viewer, changes: dict) -> dict[str, int]:
    """L&D's review intervals; every item's next review date moves with them (fixed dates stay)."""
    require_lnd(viewer, "sets review intervals")
    checked = checked_intervals(changes)
    with services.store.transaction():
        services.store.set_review_intervals(checked)
        services.store.audit(viewer.username, "review_intervals", "",
                             ", ".join(f"{k}={v}" for k, v in sorted(checked.items())))
    return services.store.review_intervals()


def set_typed_intervals(services: Services, viewer: Viewer, typed: dict[str, str]) -> dict[str, str]:
    """The intervals as a form sends them (text); returns what is wrong by field, or {} once saved."""
    require_lnd(viewer, "sets review intervals")
    errors = {key: "A whole number of days (0: never)." for key, raw in typed.items() if not raw.isdigit()}
    if errors:
        return errors
    try:
        set_intervals(services, viewer, {key: int(raw) for key, raw in typed.items()})
    except InvalidInputError as exc:
        return {exc.field or "form": str(exc)}
    return {}


def remind_owners(services: Services, now: datetime | None = None) -> int:
    """The daily reminder: each owner hears once about each item whose review date passed (a new date,
    after a confirmation, is a new reminder). Returns how many items were reminded about."""
    store = services.store
    now = now or utc_now()
    told: dict[str, int] = {}
    reminded = 0
    due_ids = store.unnoticed_reviews(now.isoformat())
    for part in batches(due_ids):  # a part's items at a time (check_stale says why)
        items = store.content_by_ids(part)
        for content_id in part:
            item = items[content_id]
            recipients = who_may_see(services, owners(services, item), item)
            if any(told.get(r, 0) >= REMINDERS_PER_OWNER for r in recipients):
                continue  # tomorrow's: the rest of the list is on the reviews page meanwhile
            with store.transaction():
                store.notify(recipients, "review_due",
                             f"{quoted(item['title'])} is due for review: confirm it still holds, or fix it",
                             f"/content/{content_id}")
                store.record_review_notice(content_id)
            for r in recipients:
                told[r] = told.get(r, 0) + 1
            reminded += 1
    return reminded
