"""Fixtures for the intake channels: a real Dovecot for IMAP, real SMTP listeners, real e-mails."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY

import pytest
from imapclient import IMAPClient
from sqlalchemy import select

from tanggap.intake.imap import ImapAccount
from tanggap.services.intake import dedupe_key
from tanggap.store.tables import evidence, inbound_messages
from tanggap.store.uow import Store
from tests.channels.dovecot import Dovecot, dovecot_binary, start_dovecot


def message(n: int, *, run: str = "t", body: str | None = None, message_id: str | None = None) -> bytes:
    """A small, distinct, CRLF e-mail: the bytes a sender would put on the wire."""
    mail = EmailMessage()
    mail["From"] = "Pengirim <pengirim@example.org>"
    mail["To"] = "abuse@tanggap.invalid"
    mail["Subject"] = f"pesan {run} nomor {n}"
    mail["Date"] = "Tue, 31 Mar 2026 23:30:00 +0700"
    mail["Message-ID"] = message_id or f"<{run}.{n}@example.org>"
    mail.set_content(body if body is not None else f"Isi pesan {n} dari uji {run}.\n")
    return mail.as_bytes(policy=SMTP_POLICY)


def stored_bytes(store: Store, raw: bytes) -> tuple[str, str, bytes] | None:
    """(inbound id, channel, stored bytes) of the inbound message ``raw`` became, if any."""
    with store.uow(read_only=True) as uow:
        row = uow.session.execute(
            select(inbound_messages.c.id, inbound_messages.c.channel, evidence.c.content)
            .join(evidence, evidence.c.sha256 == inbound_messages.c.evidence_sha256)
            .where(inbound_messages.c.dedupe_key == dedupe_key(raw))).first()
    return (row.id, row.channel, bytes(row.content)) if row else None


def inbound_count(store: Store, channel: str | None = None) -> int:
    from sqlalchemy import func

    query = select(func.count()).select_from(inbound_messages)
    if channel:
        query = query.where(inbound_messages.c.channel == channel)
    with store.uow(read_only=True) as uow:
        return uow.session.execute(query).scalar_one()


# --- IMAP -----------------------------------------------------------------------------

def _dovecot() -> Iterator[Dovecot]:
    binary = dovecot_binary()
    if binary is None:
        pytest.skip("dovecot is not installed (run `bash scripts/system-deps.sh`, "
                    "or apt-get install dovecot-imapd)")
    server = start_dovecot(binary)
    yield server
    server.stop()
    shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    yield from _dovecot()


@pytest.fixture(scope="session")
def dovecot_for_bad_logins() -> Iterator[Dovecot]:
    """A second server for wrong-password tests: Dovecot slows every login from an address
    (for seconds) after a failed one, and the other tests should not wait for that."""
    yield from _dovecot()


class Mailbox:
    """One fresh IMAP account on the test Dovecot, and a client to deliver into it."""

    def __init__(self, server: Dovecot, user: str):
        self.server, self.user = server, user

    def account(self, mailbox: str = "INBOX", **options) -> ImapAccount:
        return ImapAccount(self.server.host, self.user, self.server.password, port=self.server.port,
                           ssl=False, mailbox=mailbox, **options)

    def client(self) -> IMAPClient:
        client = IMAPClient(self.server.host, self.server.port, ssl=False, timeout=10)
        client.login(self.user, self.server.password)
        return client

    def deliver(self, *raws: bytes, folder: str = "INBOX") -> None:
        with self.client() as client:
            for raw in raws:
                client.append(folder, raw)


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Mailbox:
    return Mailbox(dovecot, f"orders-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def mailbox_for_bad_logins(dovecot_for_bad_logins: Dovecot) -> Mailbox:
    return Mailbox(dovecot_for_bad_logins, f"orders-{uuid.uuid4().hex[:12]}")
