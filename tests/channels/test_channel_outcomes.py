"""The SMTP listener and the IMAP poller reach the same outcomes as `intake import`: what
arrives is stored, then the intake worker (with this installation's sender trust) settles it."""

from __future__ import annotations

import smtplib

import pytest
from sqlalchemy import select

from tanggap.config import Settings
from tanggap.domain.access import SYSTEM
from tanggap.intake.imap import ImapPoller
from tanggap.intake.smtp import SmtpListener
from tanggap.intake.worker import IntakeWorker
from tanggap.services.accounts import add_authority
from tanggap.store.tables import inbound_messages
from tests.intake_auth.corpus import MINISTRY, OUR_MX
from tests.intake_auth.test_import_json import mails

EXPECTED = {"<o1@komdigi.go.id>": "order", "<o2@komdigi.go.id>": "revision", "<o3@komdigi.go.id>": "quarantined",
            "<o4@komdigi.go.id>": "triage", "<o5@gmail.com>": "report", "<o6@komdigi.go.id>": "not_order"}


@pytest.fixture
def worker(store, store_url, tmp_path):
    add_authority(store.uow(), "Kemkomdigi", "ID", [MINISTRY], SYSTEM)
    settings = Settings(database_url=store_url, var_dir=tmp_path / "var", secret_key="t",
                        intake_trusted_authserv_ids=OUR_MX, intake_verify_dkim=False)
    return IntakeWorker(store, settings, mailer=None)


def outcomes(store) -> dict[str, str]:
    with store.uow(read_only=True) as uow:
        return {row.message_id: row.state for row in uow.session.execute(select(inbound_messages)).all()}


def test_mail_through_the_smtp_listener_ends_as_import_would(store, worker):
    with SmtpListener(store) as listener, smtplib.SMTP(listener.host, listener.port, timeout=30) as client:
        for raw in mails().values():  # in order: the follow-up after its order
            assert client.sendmail("mx@platform.example", ["abuse@platform.example"], raw) == {}
            worker.run_once()
    assert outcomes(store) == EXPECTED


def test_mail_through_the_imap_poller_ends_as_import_would(store, worker, mailbox):
    for raw in mails().values():
        mailbox.deliver(raw)
        with ImapPoller(store, mailbox.account()) as poller:
            poller.poll_once()
        worker.run_once()
    assert outcomes(store) == EXPECTED
