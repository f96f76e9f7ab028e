"""Notification e-mail through a real SMTP server (aiosmtpd on 127.0.0.1): what arrives, what waits while
the server is down, digests, choices, and the stale-content check. The sender is driven with `drain_once`
and `run_daily`, so nothing depends on the background thread's timing (one test starts the thread)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from indexer.importer import import_files
from models.records import utc_now
from models.settings import Settings
from tests.factories import ANA, BO, VPN, content, jsonl, person
from web.actions import inbox, reactions
from web.auth import Viewer
from web.mailer import MAIL_OFF, MailSender, SmtpServer, drain_once, run_daily

PUBLIC = "https://knowhow.example.com"
NOBODY = person("p-nobody", name="Nobody Here", email="nobody@example.com")


class Mailbox:
    """An aiosmtpd handler keeping every accepted message; it refuses mail for nobody@ for good (550)."""

    def __init__(self):
        self.messages: list[EmailMessage] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalSmtp:
    def __init__(self, port: int):
        self.port, self.mailbox, self.controller = port, Mailbox(), None

    def start(self) -> LocalSmtp:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.mailbox.messages


@pytest.fixture
def smtp() -> Iterator[LocalSmtp]:
    """A port with nothing listening yet: `smtp.start()` brings the server up (tests of an outage start it late)."""
    server = LocalSmtp(free_port())
    yield server
    server.stop()


@pytest.fixture
def org(make_services, tmp_path, smtp):
    services = make_services(smtp_url=f"smtp://127.0.0.1:{smtp.port}", public_url=PUBLIC,
                             mail_from="Knowhow <knowhow@example.com>")
    import_files(services.indexer, [jsonl(tmp_path / "org.jsonl", ANA, BO, NOBODY, VPN)])
    return services


BO_VIEWER = Viewer(role="contributor", user_id=2, username="bo", person_id="p-bo")


def body(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def test_an_immediate_mail_arrives_with_the_subject_body_and_link(org, smtp):
    smtp.start()
    org.store.set_email_mode("p-ana", "immediate")
    reactions.thank(org, BO_VIEWER, "c-vpn")
    assert drain_once(org) == 1
    [message] = smtp.messages
    assert (message["To"], message["From"], message["Subject"]) == (
        "p-ana@example.com", "Knowhow <knowhow@example.com>",
        "Knowhow: Bo Chen thanked you for “Resetting your VPN token”")
    assert message["Auto-Submitted"] == "auto-generated"
    text = body(message)
    assert "Bo Chen thanked you for “Resetting your VPN token”" in text
    assert f"Open it: {PUBLIC}/content/c-vpn#kudos" in text
    assert f"{PUBLIC}/account#notifications" in text
    [row] = org.store.mail_queue()
    assert (row["attempts"], row["last_error"], row["failed_at"], row["sending_until"]) == (1, None, None, None)
    assert row["sent_at"] is not None
    assert drain_once(org) == 0 and len(smtp.messages) == 1


def test_while_the_server_is_down_nothing_is_lost_and_nothing_is_sent_twice(org, smtp):
    org.store.set_email_mode("p-ana", "immediate")
    for n in range(3):
        org.store.notify(["p-ana"], "comment", f"Comment {n}", f"/content/c-vpn#comment-{n}", actor="p-bo")
    now = utc_now()
    assert drain_once(org, now) == 0  # nothing listens on the port
    rows = org.store.mail_queue()
    assert [(r["attempts"], r["sent_at"], r["sending_until"], r["next_attempt_at"]) for r in rows] == [
        (1, None, None, (now + timedelta(minutes=1)).isoformat())] * 3
    assert all(r["last_error"].startswith("ConnectionRefusedError") for r in rows)
    assert drain_once(org, now + timedelta(minutes=1)) == 0  # still down: the next wait doubles
    assert {r["next_attempt_at"] for r in org.store.mail_queue()} == {(now + timedelta(minutes=3)).isoformat()}

    smtp.start()
    assert drain_once(org, now + timedelta(minutes=2)) == 0  # up, but the backoff has not run out
    assert drain_once(org, now + timedelta(minutes=3)) == 3
    assert drain_once(org, now + timedelta(hours=1)) == 0
    assert sorted(m["Subject"] for m in smtp.messages) == [f"Knowhow: Comment {n}" for n in range(3)]
    assert len({m["Message-ID"] for m in smtp.messages}) == 3
    assert [(r["attempts"], r["last_error"]) for r in org.store.mail_queue()] == [(3, None)] * 3


def test_a_claimed_message_is_not_sent_by_a_second_sender_until_its_lease_runs_out(org):
    org.store.set_email_mode("p-ana", "immediate")
    org.store.notify(["p-ana"], "thanks", "Thanks", "/content/c-vpn#kudos")
    now = utc_now()
    lease = (now + timedelta(minutes=5)).isoformat()
    assert [r["lines"] for r in org.store.claim_mail(now.isoformat(), lease)] == [
        [{"kind": "thanks", "text": "Thanks", "link": "/content/c-vpn#kudos"}]]
    assert org.store.claim_mail(now.isoformat(), lease) == []  # another sender, meanwhile
    # The first sender died before marking it sent: after the lease, it goes out again (at least once).
    assert len(org.store.claim_mail((now + timedelta(minutes=5)).isoformat(), lease)) == 1


def test_a_recipient_the_server_refuses_for_good_does_not_hold_up_the_others(org, smtp):
    smtp.start()
    for pid in ("p-ana", "p-nobody"):
        org.store.set_email_mode(pid, "immediate")
    org.store.notify(["p-nobody", "p-ana"], "stale", "Old", "/content/c-vpn")
    assert drain_once(org) == 1
    assert [m["To"] for m in smtp.messages] == ["p-ana@example.com"]
    sent, refused = org.store.mail_queue()  # newest first
    assert refused["sent_at"] is None and refused["failed_at"] is not None
    assert refused["last_error"].startswith("SMTPRecipientsRefused") and "550" in refused["last_error"]
    assert sent["sent_at"] is not None
    assert drain_once(org, utc_now() + timedelta(days=1)) == 0


def test_never_sends_nothing(org, smtp):
    smtp.start()
    org.store.set_email_mode("p-ana", "never")
    reactions.thank(org, BO_VIEWER, "c-vpn")
    assert org.store.unread_count("p-ana") == 1  # the inbox still has it
    assert run_daily(org) is True
    assert drain_once(org) == 0
    assert org.store.mail_queue() == [] and smtp.messages == []


def test_the_daily_digest_groups_unread_notifications_once(org, smtp):
    smtp.start()
    store = org.store
    assert store.email_mode("p-ana") == "daily"  # the default
    first, read, third = (store.notify(["p-ana"], "rating", f"Rating {n}", f"/content/c-vpn#r{n}")[0] for n in range(3))
    store.mark_read("p-ana", [read])
    now = utc_now()
    assert store.mail_queue() == []  # nothing immediate
    assert run_daily(org, now) is True
    assert drain_once(org, now) == 1
    [digest] = smtp.messages
    assert (digest["To"], digest["Subject"]) == ("p-ana@example.com", "Knowhow: 2 new notifications")
    text = body(digest)
    assert f"- Rating 2\n  {PUBLIC}/content/c-vpn#r2\n- Rating 0\n  {PUBLIC}/content/c-vpn#r0" in text
    assert "Rating 1" not in text and "daily digest" in text

    assert run_daily(org, now + timedelta(hours=23)) is False  # once a day
    assert run_daily(org, now + timedelta(days=1)) is True
    assert drain_once(org, now + timedelta(days=1)) == 0  # nothing new since the last digest
    store.notify(["p-ana"], "comment", "A comment", "/content/c-vpn#comment-1")
    assert run_daily(org, now + timedelta(days=2)) is True and drain_once(org, now + timedelta(days=2)) == 1
    assert smtp.messages[-1]["Subject"] == "Knowhow: 1 new notification"
    assert "Rating" not in body(smtp.messages[-1])


def test_choosing_immediate_leaves_earlier_notifications_out_of_later_digests(org, smtp):
    smtp.start()
    org.store.notify(["p-ana"], "rating", "Before", "/content/c-vpn")
    org.store.set_email_mode("p-ana", "immediate")
    org.store.set_email_mode("p-ana", "daily")
    assert run_daily(org) is True
    assert drain_once(org) == 0 and smtp.messages == []


def test_with_mail_off_nothing_piles_up_to_go_out_later(make_services, tmp_path):
    services = make_services()
    import_files(services.indexer, [jsonl(tmp_path / "org.jsonl", ANA, BO, VPN)])
    services.store.set_email_mode("p-ana", "immediate")
    reactions.thank(services, BO_VIEWER, "c-vpn")
    assert drain_once(services) == 0
    [row] = services.store.mail_queue()
    assert (row["sent_at"], row["last_error"]) == (None, MAIL_OFF) and row["failed_at"] is not None
    assert inbox.email_settings(services, Viewer(role="contributor", user_id=1, username="ana", person_id="p-ana")) == {
        "email": "immediate", "address": "p-ana@example.com", "delivery": False}


def test_authors_hear_once_per_staleness_period_that_their_item_went_stale(org):
    store = org.store
    old = content("c-old", title="Printer drivers", authors=["p-ana", "p-bo"], updated="2020-01-01T00:00:00Z",
                  created="2020-01-01T00:00:00Z")
    import_files(org.indexer, [jsonl(org.settings.data / "old.jsonl", old)])
    now = utc_now()
    assert inbox.check_stale(org, now) == 1
    for pid in ("p-ana", "p-bo"):
        [note] = store.notifications_of(pid)
        assert (note["kind"], note["text"], note["link"]) == (
            "stale", "“Printer drivers” has not been updated since 2020-01-01: check it still holds",
            "/content/c-old")
    assert inbox.check_stale(org, now + timedelta(days=1)) == 0  # told once
    # Brought up to date, it is fresh; a year later it is stale again, and they hear again.
    edited = {**old, "body": "New drivers.", "updated": None}
    import_files(org.indexer, [jsonl(org.settings.data / "old.jsonl", edited)])
    assert inbox.check_stale(org, now + timedelta(days=1)) == 0
    assert inbox.check_stale(org, now + timedelta(days=400)) == 1
    assert len(store.notifications_of("p-ana")) == 2


def test_an_author_of_many_stale_items_hears_once_with_the_oldest_and_a_count(org):
    old = [content(f"c-old{n}", title=f"Old note {n}", authors=["p-bo"], updated=f"201{n}-01-01T00:00:00Z",
                   created="2010-01-01T00:00:00Z") for n in range(5)]
    import_files(org.indexer, [jsonl(org.settings.data / "old.jsonl", *old)])
    assert inbox.check_stale(org) == 5
    [note] = org.store.notifications_of("p-bo")
    assert (note["text"], note["link"]) == (
        ("“Old note 0” (not updated since 2010-01-01) and 4 more of your items have not been updated for a long "
         "time: check they still hold"), "/browse?author=p-bo&sort=oldest")
    assert inbox.check_stale(org) == 0


def test_the_background_sender_delivers_without_being_asked(org, smtp):
    smtp.start()
    org.store.set_email_mode("p-ana", "immediate")
    sender = MailSender(org, interval=0.2)
    sender.start()
    try:
        reactions.thank(org, BO_VIEWER, "c-vpn")
        deadline = time.monotonic() + 20
        while not smtp.messages and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        sender.stop()
    assert [m["To"] for m in smtp.messages] == ["p-ana@example.com"]
    assert not sender.is_alive()


def test_a_long_digest_lists_fifty_and_counts_the_rest(org, smtp):
    smtp.start()
    for n in range(52):
        org.store.notify(["p-ana"], "comment", f"Comment {n}", f"/content/c-vpn#comment-{n}")
    assert run_daily(org) is True and drain_once(org) == 1
    [digest] = smtp.messages
    text = body(digest)
    assert digest["Subject"] == "Knowhow: 52 new notifications"
    assert text.count("\n- ") == 51 and "- Comment 51\n" in text and "Comment 1\n" not in text
    assert f"- and 2 more in your inbox\n  {PUBLIC}/inbox" in text


def test_the_smtp_url_names_the_server_the_way_to_secure_it_and_the_sign_in():
    assert SmtpServer.from_url("smtps://mailer%40corp:p%3Ass@mail.corp.example") == SmtpServer(
        "smtps", "mail.corp.example", 465, "mailer@corp", "p:ss")
    assert SmtpServer.from_url("smtp+starttls://relay:2525") == SmtpServer("smtp+starttls", "relay", 2525, None, None)
    assert SmtpServer.from_url("smtp://relay").port == 25
    with pytest.raises(ValueError, match="the SMTP URL must look like smtp://host:25"):
        Settings(smtp_url="https://mail.example.com")
