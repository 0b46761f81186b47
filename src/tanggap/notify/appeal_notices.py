"""The appellant hears how the appeal ended: upheld (the decision stands) or reversed (the
restriction is lifted). Once each, by e-mail to the contact the appellant gave; the notice is
recorded (statement_notices, key `appeal-<id>-<status>`) in the transaction that sends it."""

from __future__ import annotations

import logging
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from tanggap.domain.model import Appeal, AppealStatus, Case
from tanggap.notify.mail import Mailer
from tanggap.store.accountability import notified_puids, record_notice
from tanggap.store.uow import Store

log = logging.getLogger(__name__)

# How far back the sweep looks for appeals whose notice never went out (a send that failed
# every attempt of its event handler and reached the dead letters).
SWEEP_WINDOW = timedelta(days=30)

OUTCOME_WORDS = {
    AppealStatus.UPHELD: ("Banding Anda ditolak: keputusan tetap berlaku.",
                          "Your appeal was not granted: the decision stands."),
    AppealStatus.REVERSED: ("Banding Anda diterima: pembatasan telah dicabut.",
                            "Your appeal was granted: the restriction has been lifted."),
}


def notice_key(appeal_id: str, status: str) -> str:
    return f"appeal-{appeal_id}-{status}"


def appeal_outcome(appeal: Appeal, target: str, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = appeal.contact or ""
    message["Subject"] = f"Hasil banding / Appeal outcome: {target}"
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip(">"))
    message["Auto-Submitted"] = "auto-generated"
    indonesian, english = OUTCOME_WORDS[AppealStatus(appeal.status)]
    message.set_content("\n".join([
        f"Yth. {appeal.appellant},", "", indonesian, english, "",
        f"Kanal / Channel: {target}", f"Nomor banding / Appeal reference: {appeal.id}", "", "Tanggap"]))
    return message


def notify_appellant(store: Store, mailer: Mailer, sender: str, appeal_id: str) -> bool:
    """True when the notice went out here; False when there is nothing to send (no e-mail
    contact, not final, or sent before). A refused send raises, and nothing is recorded."""
    with store.uow(read_only=True) as uow:
        appeal = uow.session.get(Appeal, appeal_id)
        case = uow.session.get(Case, appeal.case_id) if appeal is not None else None
    if appeal is None or case is None or appeal.status not in OUTCOME_WORDS or "@" not in (appeal.contact or ""):
        return False
    message = appeal_outcome(appeal, case.target.canonical, sender)
    with store.uow() as uow:
        # Recorded first, sent inside the same transaction: a second sender waits for it and
        # then finds the record; a failed send rolls the record back.
        if not record_notice(uow.session, notice_key(appeal.id, str(appeal.status)), appeal.case_id, None,
                             uow.clock.now()):
            return False
        mailer.send(message)
        uow.commit()
    return True


def notify_due_appellants(store: Store, mailer: Mailer, sender: str, window: timedelta = SWEEP_WINDOW) -> int:
    """The sweep behind the AppealResolved handler: every final appeal of the window whose
    notice is not recorded is sent now (the record keeps handler and sweep from both sending).
    One refused send is logged and left for the next sweep; the others still go out."""
    with store.uow(read_only=True) as uow:
        final = uow.appeals.final_with_e_mail_since(uow.clock.now() - window)
        keys = {appeal.id: notice_key(appeal.id, str(appeal.status)) for appeal in final}
        already = notified_puids(uow.session, list(keys.values()))
    sent = 0
    for appeal_id, key in keys.items():
        if key in already:
            continue
        try:
            sent += notify_appellant(store, mailer, sender, appeal_id)
        except Exception:  # the relay refused or is away: the next sweep tries again
            log.warning("appeal outcome notice %s not sent", appeal_id, exc_info=True)
    return sent
