"""Who a file means by an author: a person id, an e-mail address or a full name, among the stored people
and the ones the same import brings (an HR CSV beside the documents)."""

from __future__ import annotations

from models.records import Person


class Directory:
    def __init__(self, stored: list[tuple[str, str | None, str]], run: list[Person], gone: set[str] = frozenset()):
        people = {pid: (email, name) for pid, email, name in stored}
        people.update({p.id: (p.email, p.name) for p in run})  # this run's e-mail and name are the current ones
        self.ids = set(people) - set(gone)
        self.emails: dict[str, list[str]] = {}
        self.names: dict[str, list[str]] = {}
        for pid in sorted(self.ids):
            email, name = people[pid]
            if email:
                self.emails.setdefault(email.strip().casefold(), []).append(pid)
            self.names.setdefault(" ".join(name.split()).casefold(), []).append(pid)

    def find(self, who: str) -> tuple[str | None, str]:
        """(the person's id, "") or (None, why nobody)."""
        who = " ".join(str(who).split())
        if who in self.ids:
            return who, ""
        matches = (self.emails if "@" in who else self.names).get(who.casefold(), [])
        if len(matches) == 1:
            return matches[0], ""
        if matches:
            return None, f"'{who}' matches several people ({', '.join(matches)}): name them by id or e-mail"
        return None, f"'{who}' matches no person (by id, e-mail or name)"

    def email_owner(self, email: str) -> str | None:
        matches = self.emails.get(email.strip().casefold(), [])
        return matches[0] if len(matches) == 1 else None
