"""The demo's follows: Sam (an employee) keeps up with remote access (#vpn), with what Ana writes and with a
question about bike leasing, followed eight days ago, so his Following page and his first weekly digest (in
his inbox) are not empty on the first look."""

from __future__ import annotations

from datetime import timedelta

from models.errors import KnowhowError
from models.records import utc_now
from web.actions.follows import checked_target, weekly_digests
from web.services import Services

DEMO_FOLLOWS = [("p20", "tag", "vpn"), ("p20", "person", "p03"),
                ("p20", "topic", "is there a bike leasing scheme for employees?")]
FOLLOWED_DAYS_AGO = 8


def follow_for_demo(services: Services) -> int:
    """Once per folder (following again changes nothing); returns how many weekly digests went out. A
    follow whose people are not in the loaded organisation is left out."""
    store = services.store
    created = (utc_now() - timedelta(days=FOLLOWED_DAYS_AGO)).isoformat()
    for party, kind, target in DEMO_FOLLOWS:
        try:
            if store.get_person(party) is None:
                continue
            target = checked_target(services, kind, target)
        except KnowhowError:
            continue
        store.add_follow(party, kind, target, created=created)
    return weekly_digests(services)
