"""The inbox: a party's notifications and marking them read, their e-mail choice, and the daily notice to
authors whose content went stale. A notification is only ever its recipient's: another's id is unknown."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import quote

from models.errors import NotFoundError
from models.records import Audience, utc_now
from models.sql import batches
from web.auth import Viewer
from web.services import Services

MAX_QUOTED = 80  # characters of a title or goal quoted in a notification's one line


def party(viewer: Viewer) -> str:
    """Who a notification (or a reaction) is for or from: the person, or the account without one."""
    return viewer.person_id or f"user:{viewer.username}"


def actor_name(services: Services, viewer: Viewer) -> str:
    """How a notification names whoever caused it: their name in the directory, else their user name."""
    person = services.store.get_person(viewer.person_id) if viewer.person_id else None
    return person["name"] if person else (viewer.username or "someone")


def quoted(text: str) -> str:
    """A title or goal on one line, shortened, in quotes."""
    text = " ".join(text.split())
    return f"“{text if len(text) <= MAX_QUOTED else text[:MAX_QUOTED - 1].rstrip() + '…'}”"


def lnd_parties(services: Services) -> list[str]:
    """L&D's live accounts as notification parties: whoever is told when nobody else owns something."""
    return [user["person_id"] or f"user:{user['username']}" for user in services.store.users()
            if user["role"] == "lnd" and not user["disabled"]]


def who_may_see(services: Services, parties: list[str], item: dict) -> list[str]:
    """The parties who may see `item`: a notification names the item, so it reaches nobody the item is
    hidden from (an author L&D put outside the item's teams, a commenter who changed teams). People see
    by their team, or everything when their account is L&D's; accounts without a person are L&D's or
    saw it unrestricted, so they keep theirs."""
    if not item["visible_teams"]:
        return list(parties)
    people = services.store.people_by_ids(p for p in parties if not p.startswith("user:"))
    lnd = {user["person_id"] for user in services.store.users() if user["role"] == "lnd"}
    return [p for p in parties if p.startswith("user:") or p in lnd
            or (p in people and Audience(team=people[p]["team"]).sees(item["visible_teams"]))]


def notifications(services: Services, viewer: Viewer, unread_only: bool = False,
                  limit: int = 50) -> tuple[list[dict], int]:
    """The viewer's notifications, newest first, and how many are unread."""
    me = party(viewer)
    return services.store.notifications_of(me, limit, unread_only), services.store.unread_count(me)


def unread_count(services: Services, viewer: Viewer) -> int:
    """The navigation's badge: one indexed count, nothing for someone not signed in."""
    return services.store.unread_count(party(viewer)) if viewer.signed_in else 0


def mark_read(services: Services, viewer: Viewer, ids: list[int] | None) -> int:
    """Mark some of the viewer's notifications read (None: all); ids of others' are ignored, so they
    reveal nothing. Returns how many stay unread."""
    me = party(viewer)
    services.store.mark_read(me, ids)
    return services.store.unread_count(me)


def open_notification(services: Services, viewer: Viewer, notification_id: int) -> str:
    """Following a notification marks it read; returns where to act."""
    me = party(viewer)
    row = services.store.notification_of(me, notification_id)
    if row is None:
        raise NotFoundError(f"you have no notification {notification_id}")
    services.store.mark_read(me, [notification_id])
    link = row["link"] or "/inbox"
    return link if link.startswith("/") and not link.startswith("//") else "/inbox"  # same site only


def email_settings(services: Services, viewer: Viewer) -> dict:
    """The viewer's e-mail choice, the address mail goes to (None: no person record or no address, so no
    mail), and whether this server sends e-mail at all."""
    me = party(viewer)
    return {"email": services.store.email_mode(me), "address": services.store.email_address(me),
            "delivery": services.settings.smtp_url is not None}


def set_email_mode(services: Services, viewer: Viewer, mode: str) -> dict:
    """Immediately, a daily digest, or never; anyone signed in chooses for themselves."""
    services.store.set_email_mode(party(viewer), mode)
    return email_settings(services, viewer)


def check_stale(services: Services, now: datetime | None = None) -> int:
    """Tell the authors of items not updated for `stale_months` (the health report's measure) that they
    went stale: once per item until it is edited again. Each author gets one notification a run, naming
    the item or, for several, the oldest and how many more (leading to their items, least recently updated
    first): a first run over years of content must not bury anyone under a notice per item, nor hold the
    write lock for minutes. Returns how many items were noticed."""
    store = services.store
    now = now or utc_now()
    cutoff = (now - timedelta(days=round(services.settings.stale_months * 30.44))).isoformat()
    rows = store.unnoticed_stale(cutoff)  # oldest first
    oldest: dict[str, dict] = {}  # per author, their oldest stale item and how many they have
    counts: dict[str, int] = {}
    # A part's items at a time: reading every stale item at once held 1.3 GB in the first run over a store of
    # 200,000 old items, and the process kept most of it.
    for part in batches(rows):
        items = store.content_by_ids(row["id"] for row in part)
        for row in part:
            item = items[row["id"]]
            for author in who_may_see(services, item["authors"], item):
                if author not in oldest:
                    oldest[author] = {key: item[key] for key in ("id", "title", "updated")}
                counts[author] = counts.get(author, 0) + 1
    with store.transaction():
        for author, first in oldest.items():
            since = first["updated"][:10]
            if counts[author] == 1:
                text, link = (f"{quoted(first['title'])} has not been updated since {since}: check it still holds",
                              f"/content/{first['id']}")
            else:
                text = (f"{quoted(first['title'])} (not updated since {since}) and {counts[author] - 1} more of "
                        "your items have not been updated for a long time: check they still hold")
                link = f"/browse?author={quote(author, safe='')}&sort=oldest"
            store.notify([author], "stale", text, link)
        store.record_stale_notices([(row["id"], row["updated"]) for row in rows], now.isoformat())
    return len(rows)
