"""Notification e-mail, sent outside the request: a background thread drains the store's queue over SMTP
(retrying with backoff, never dropping a message because the server is down) and runs the daily jobs:
digests and the stale-content check.

Delivery is at least once: a message is marked sent only after the server accepted it, so a crash between
the two sends it again (with the same Message-ID, which mail clients use to show it once). A claim's lease
keeps two senders (or two server processes) from sending one message at the same time.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import unquote, urlsplit

from models.index_set import VECTOR_CHANGES_KEPT
from models.records import utc_now
from models.settings import Settings
from web.actions.follows import weekly_digests
from web.actions.inbox import check_stale
from web.actions.reviews import remind_owners
from web.services import Services

log = logging.getLogger("knowhow.mailer")

POLL_SECONDS = 10  # how soon an immediate e-mail leaves after it was queued
LEASE = timedelta(minutes=5)  # longer than one batch can take; a dead sender's rows are retried after it
BATCH = 50
FIRST_RETRY, LONGEST_RETRY = timedelta(minutes=1), timedelta(hours=6)
DAILY = timedelta(days=1)
TIMEOUT = 30
MAIL_OFF = "e-mail is off (KNOWHOW_SMTP_URL is not set)"


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to hand over mail: smtp:// plain, smtp+starttls:// upgraded, smtps:// TLS from the start."""

    scheme: str
    host: str
    port: int
    user: str | None
    password: str | None

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        default_port = {"smtps": 465, "smtp+starttls": 587}.get(parts.scheme, 25)
        return cls(parts.scheme, parts.hostname or "", parts.port or default_port,
                   unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None)

    def connect(self) -> smtplib.SMTP:
        if self.scheme == "smtps":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT,
                                                  context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT)
        try:
            if self.scheme == "smtp+starttls":
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


def absolute(settings: Settings, link: str) -> str:
    return settings.public_url.rstrip("/") + link if link.startswith("/") else link


def _one_line(text: str) -> str:
    """Header values must not hold line breaks; a list reads better without them too."""
    return " ".join(text.split())


def compose(settings: Settings, row: dict) -> EmailMessage:
    """The message for a queue row: one notification, a digest of several, or the weekly digest of what
    one follows, with absolute links."""
    lines = row["lines"]
    bullets = [text for line in lines for text in (f"- {_one_line(line['text'])}", f"  {absolute(settings, line['link'])}")]
    if row["kind"] == "digest":
        total = sum(line.get("count", 1) for line in lines)
        subject = f"Knowhow: {total} new notification{'' if total == 1 else 's'}"
        body = ["Your unread Knowhow notifications:", "", *bullets]
        reason = "you chose a daily digest of Knowhow notifications (the default)"
    elif row["kind"] == "weekly":  # the first line sums up; the others list what changed
        subject = "Knowhow: " + _one_line(lines[0]["text"])
        body = [_one_line(lines[0]["text"]), "", *bullets[2:], "",
                f"Everything you follow: {absolute(settings, lines[0]['link'])}"]
        reason = "you follow tags, people or topics on Knowhow (unfollow them on the Following page)"
    else:
        line = lines[0]
        subject = "Knowhow: " + _one_line(line["text"])
        subject = subject if len(subject) <= 140 else subject[:139] + "…"
        body = [_one_line(line["text"]), "", f"Open it: {absolute(settings, line['link'])}"]
        reason = "you chose to get Knowhow notifications by e-mail as they happen"
    body += ["", "--", f"You get this e-mail because {reason}.",
             f"Change it on your account page: {absolute(settings, '/account#notifications')}"]
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = row["to_addr"]
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    domain = urlsplit(settings.public_url).hostname or "knowhow.invalid"
    message["Message-ID"] = f"<knowhow.mail.{row['id']}.{''.join(c for c in row['created'] if c.isdigit())}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies stay away
    message.set_content("\n".join(body) + "\n")
    return message


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failed ones: 1, 2, 4 ... minutes, at most 6 hours."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _permanent(exc: smtplib.SMTPException) -> bool:
    """The server refused this message or its recipient for good (5xx). Anything else may work later:
    a refused sender or a failed sign-in is this server's set-up, and no message is lost over it."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500


def drain_once(services: Services, now: datetime | None = None) -> int:
    """Send every message that is due, in batches over one connection each; returns how many the server
    accepted. With mail off, queued messages are marked failed instead of piling up."""
    store, settings = services.store, services.settings
    now = now or utc_now()
    if settings.smtp_url is None:
        store.drop_unsent_mail(MAIL_OFF, now.isoformat())
        return 0
    server = SmtpServer.from_url(settings.smtp_url.get_secret_value())
    sent = 0
    while rows := store.claim_mail(now.isoformat(), (now + LEASE).isoformat(), BATCH):
        try:
            smtp = server.connect()
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("cannot reach the SMTP server (%s); %d message(s) wait", _describe(exc), len(rows))
            for row in rows:
                store.mail_retry(row["id"], _describe(exc), (now + backoff(row["attempts"] + 1)).isoformat())
            return sent
        try:
            for position, row in enumerate(rows):
                try:
                    smtp.send_message(compose(settings, row))
                except smtplib.SMTPException as exc:
                    if _permanent(exc):
                        store.mail_failed(row["id"], _describe(exc), utc_now().isoformat())
                        continue
                    if not isinstance(exc, smtplib.SMTPServerDisconnected):
                        store.mail_retry(row["id"], _describe(exc), (now + backoff(row["attempts"] + 1)).isoformat())
                        continue
                    broken: BaseException = exc
                except OSError as exc:
                    broken = exc
                else:
                    store.mail_sent(row["id"], utc_now().isoformat())
                    sent += 1
                    continue
                # The connection broke: this message and the rest of the batch wait for the next try.
                for rest in rows[position:]:
                    store.mail_retry(rest["id"], _describe(broken), (now + backoff(rest["attempts"] + 1)).isoformat())
                return sent
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
    return sent


def run_daily(services: Services, now: datetime | None = None) -> bool:
    """Once a day (whichever process comes first): tell authors about stale items and owners about items
    due for review, send the weekly digests of follows that are due, trim the log of vector changes, and
    queue the daily digests when mail is on. Returns whether it ran."""
    store = services.store
    now = now or utc_now()
    with store.transaction():  # the write lock: two server processes never both run it
        last = store.get_meta("daily_jobs_at")
        if last and now - datetime.fromisoformat(last) < DAILY:
            return False
        store.set_meta("daily_jobs_at", now.isoformat())
    check_stale(services, now)
    remind_owners(services, now)
    weekly_digests(services, now)
    store.prune_vector_changes(VECTOR_CHANGES_KEPT)
    if services.settings.smtp_url is not None:
        store.enqueue_digests(now.isoformat())
    return True


class MailSender(threading.Thread):
    """The background thread `knowhow serve` starts: the daily jobs, then the queue, every few seconds."""

    def __init__(self, services: Services, interval: float = POLL_SECONDS):
        super().__init__(name="mail-sender", daemon=True)
        self.services, self.interval = services, interval
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                run_daily(self.services)
                drain_once(self.services)
            except Exception:  # a bad pass must not end the thread: the next one retries
                log.exception("the mail sender's pass failed; trying again in %s s", self.interval)
            self.stopping.wait(self.interval)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=TIMEOUT + 5)


def start_mailer(services: Services) -> MailSender:
    sender = MailSender(services)
    sender.start()
    return sender
