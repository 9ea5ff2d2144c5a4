"""Failures that need a person: raised once per incident, in the log, in `danvan status`, and by e-mail.

An incident is (channel, kind): a token to renew, a policy block, a quota, several failed slots in a row.
It opens on the first failure and closes when the channel posts again, so an officer gets one message per
problem instead of one per slot.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from scheduler.ledger import Ledger
from scheduler.project.models import EmailAlerts
from scheduler.redaction import redact
from scheduler.timefmt import moment_text

log = logging.getLogger("danvan.alerts")

REPEATED_FAILURES = 3
SLOGAN_FILE = "*"  # the pseudo-channel of incidents about the slogan file, not a channel (see held_back.py)
SMTP_TIMEOUT = 20.0


@dataclass
class Alerter:
    email: EmailAlerts | None = None
    secrets: Sequence[str] = ()

    def raise_incident(self, ledger: Ledger, channel: str, kind: str, message: str, now: dt.datetime) -> bool:
        """Open the incident unless it is already open; only a new one is logged loudly and e-mailed."""
        if not ledger.open_incident(channel, kind, message, now):
            log.debug("kênh %s: sự cố '%s' đã được báo trước đó", channel, kind)
            return False
        log.error("CẦN XỬ LÝ: %s: %s", _subject_of(channel), message)
        if self.email is not None:
            subject = _subject_of(channel)
            title = f"[danvan] {subject[:1].upper()}{subject[1:]} cần xử lý"
            self._send(title, f"{subject} gặp sự cố", channel, message, now)
        return True

    def raise_alarm(self, message: str, now: dt.datetime) -> None:
        """An incident with no ledger to record it in (the database itself is gone): the log and the mail only."""
        log.critical("CẦN XỬ LÝ: %s", message)
        if self.email is not None:
            self._send("[danvan] Chương trình đã dừng, cần xử lý", "danvan gặp sự cố", None, message, now)

    def clear(self, ledger: Ledger, channel: str, now: dt.datetime) -> None:
        """The channel posted again: whatever was wrong with it is over."""
        if ledger.close_incidents(channel, now):
            log.info("kênh %s: đã hoạt động lại bình thường", channel)

    def note_failure(self, ledger: Ledger, channel: str, message: str, now: dt.datetime) -> None:
        """Several failed slots in a row are an incident even when each failure looked passing."""
        recent = ledger.recent_statuses(channel, REPEATED_FAILURES)
        if len(recent) == REPEATED_FAILURES and all(status == "failed" for status in recent):
            self.raise_incident(
                ledger,
                channel,
                "repeated-failures",
                f"{REPEATED_FAILURES} lượt đăng liên tiếp không thành công; lỗi gần nhất: {message}",
                now,
            )

    def _send(self, subject: str, what: str, channel: str | None, message: str, now: dt.datetime) -> None:
        assert self.email is not None
        mail = EmailMessage()
        mail["Subject"] = subject
        mail["From"] = self.email.sender
        mail["To"] = ", ".join(self.email.recipients)
        mail.set_content(
            f"Lúc {moment_text(now)}, {what} cần cán bộ xử lý:\n\n{message}\n\nXem thêm: {_where_to_look(channel)}\n"
        )
        try:
            with smtplib.SMTP(self.email.smtp_host, self.email.smtp_port, timeout=SMTP_TIMEOUT) as smtp:
                if self.email.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.email.username and self.email.password:
                    smtp.login(self.email.username, self.email.password)
                smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            # The incident is already in the log and in `danvan status`; a mail server problem must not hide it.
            log.warning(
                "không gửi được e-mail cảnh báo qua %s: %s", self.email.smtp_host, redact(str(exc), self.secrets)
            )


def _subject_of(channel: str) -> str:
    return "tệp khẩu hiệu" if channel == SLOGAN_FILE else f"kênh {channel}"


def _where_to_look(channel: str | None) -> str:
    if channel is None:
        return "danvan status"
    return "danvan status, " + ("danvan check" if channel == SLOGAN_FILE else f"danvan log --channel {channel}")
