"""Sending mail through the configured SMTP relay."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Protocol


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class SmtpMailer:
    def __init__(self, host: str, port: int, username: str | None = None,
                 password: str | None = None, starttls: bool = False, timeout: float = 30.0):
        self.host, self.port = host, port
        self.username, self._password = username, password
        self.starttls, self.timeout = starttls, timeout

    def __repr__(self) -> str:  # never shows the password
        return f"SmtpMailer({self.host!r}, {self.port})"

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self._password or "")
            smtp.send_message(message)
