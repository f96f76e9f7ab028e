"""Small builders for import records and JSONL files."""

from __future__ import annotations

import json
from pathlib import Path


def person(pid: str = "p1", **fields) -> dict:
    record = {
        "type": "person", "id": pid, "name": f"Person {pid}", "email": f"{pid}@example.com",
        "title": "Engineer", "team": "IT", "location": "Madrid", "bio": "", "skills": [], "mentor": False,
    }
    record.update(fields)
    return record


def content(cid: str = "c1", **fields) -> dict:
    record = {
        "type": "content", "id": cid, "title": f"Item {cid}", "body": f"Body of {cid}.", "authors": [],
        "tags": [], "kind": "howto", "official": False,
    }
    record.update(fields)
    return record


def jsonl(path: Path, *records: dict | str) -> Path:
    """Write records (dicts, or raw strings for deliberately broken lines) one per line."""
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


VPN = content(
    "c-vpn", title="Resetting your VPN token",
    body="# Resetting the token\nWhen the VPN client says your token expired, open the self-service portal, "
         "choose *Reset token* and scan the new QR code with the authenticator app.",
    authors=["p-ana"], tags=["vpn"], kind="howto",
)
PAYROLL = content(
    "c-pay", title="When is payday?",
    body="Salaries are paid on the 25th of each month; if it falls on a weekend, the Friday before.",
    authors=["p-bo"], tags=["payroll"], kind="answer",
)
ANA = person("p-ana", name="Ana Ruiz", title="Network engineer", skills=["vpn", "firewalls"], mentor=True)
BO = person("p-bo", name="Bo Chen", title="Payroll specialist", team="Finance", skills=["payroll"])
