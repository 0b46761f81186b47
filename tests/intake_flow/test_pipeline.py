"""E-mail in, orders and cases out, replies back: the whole intake on a real store and SMTP relay."""

import json
import mailbox
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select, text, update

from tanggap.domain.access import SYSTEM
from tanggap.intake.worker import IntakeWorker, mailer_from_settings
from tanggap.services.decisions import DecisionRequest, approve, decide
from tanggap.services.intake import process_inbound, process_pending, receive_raw, release
from tanggap.store.tables import evidence, inbound_messages, orders
from tests.intake_flow.conftest import SAMPLES, TRUST, sample


def states(store):
    with store.uow(read_only=True) as uow:
        return {row.id: row for row in uow.session.execute(select(inbound_messages)).all()}


def test_every_sample_lands_as_expected_with_raw_evidence_linked(store, sla, authorities):
    expected = [json.loads(line) for line in (SAMPLES / "expected.jsonl").read_text().splitlines()]
    ids = {}
    for row in expected:
        raw = sample(row["file"])
        ids[row["file"]] = (receive_raw(store.uow(), raw, "import").inbound_id, raw)
    process_pending(store, sla, trust=TRUST)
    with store.uow(read_only=True) as uow:
        for row in expected:
            inbound_id, raw = ids[row["file"]]
            inbound = uow.session.execute(select(inbound_messages).where(inbound_messages.c.id == inbound_id)).one()
            # A member of the public naming a channel files a user report; machine mail is no order.
            wanted = "order" if row["is_order"] else "report" if "complaint" in row["file"] else "not_order"
            assert inbound.state == wanted, (row["file"], inbound.reason)
            kept = uow.session.execute(
                select(evidence.c.content).where(evidence.c.sha256 == inbound.evidence_sha256)).scalar_one()
            assert bytes(kept) == raw  # the exact bytes, as received
            if not row["is_order"]:
                assert inbound.order_id is None
                continue
            order = uow.orders.get(inbound.order_id)
            assert order.reference == row["order_reference"]
            assert order.raw_evidence == inbound.evidence_sha256 and order.channel == "email"
            assert sorted(link.target.canonical for link in order.targets) == row["targets"]
            hours = (order.deadline_due_at - order.received_at).total_seconds() / 3600
            assert hours == row["deadline_hours"]
            for link in order.targets:  # every case reaches its order, and the order its evidence
                assert order.id in [o.id for o in uow.orders.for_case(link.case_id)]


def test_importing_the_same_mbox_twice_creates_no_duplicate_orders(store, sla, authorities, tmp_path):
    path = tmp_path / "orders.mbox"
    box = mailbox.mbox(path)
    for eml in sorted(SAMPLES.glob("*.eml")):
        box.add(mailbox.mboxMessage(eml.read_bytes()))
    box.flush()
    from tanggap.intake.files import iter_messages

    for _ in range(2):
        receipts = [receive_raw(store.uow(), m.raw, "import") for m in iter_messages([path])]
        process_pending(store, sla, trust=TRUST)
    assert sum(not r.duplicate for r in receipts) == 0  # the second pass stored nothing
    with store.uow(read_only=True) as uow:
        assert uow.session.execute(text("SELECT count(*) FROM orders")).scalar_one() == 9
        assert uow.session.execute(text("SELECT count(*) FROM inbound_messages")).scalar_one() == 12


def test_the_same_message_through_another_server_is_still_one(store, authorities):
    raw = sample("01_plain_text_list.eml")
    relayed = b"Received: from relay2.example (relay2.example [192.0.2.9]); Sat, 28 Nov 2026 10:00:00 +0000\r\n" + raw
    first = receive_raw(store.uow(), raw, "smtp")
    second = receive_raw(store.uow(), relayed, "imap")
    assert second.duplicate and second.inbound_id == first.inbound_id


def test_a_spoofed_order_is_quarantined_and_a_human_can_release_it(store, sla, authorities):
    spoofed = sample("01_plain_text_list.eml").replace(b"dmarc=pass", b"dmarc=fail")
    inbound_id = receive_raw(store.uow(), spoofed, "smtp").inbound_id
    outcome = process_inbound(store, sla, inbound_id, trust=TRUST)
    assert outcome.state == "quarantined" and "DMARC failed" in outcome.reason
    assert outcome.order_id is None
    released = release(store, sla, inbound_id, "Komdigi", SYSTEM)
    assert released.state == "released" and released.order_id
    with store.uow(read_only=True) as uow:
        assert len(uow.orders.get(released.order_id).targets) == 7


def test_an_order_from_a_domain_no_authority_verified_is_quarantined(store, sla, authorities):
    # a real kind of sender, not registered
    raw = sample("01_plain_text_list.eml").replace(b"komdigi.go.id", b"polri.go.id")
    outcome = process_inbound(store, sla, receive_raw(store.uow(), raw, "smtp").inbound_id, trust=TRUST)
    assert outcome.state == "quarantined" and "no authority has verified" in outcome.reason


@pytest.mark.parametrize("garbage", [b"", b"\x00" * 1000, bytes(range(256)) * 40,
                                     b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n" * 3])
def test_garbage_is_kept_and_quarantined_or_ignored_never_lost(store, sla, authorities, garbage):
    inbound_id = receive_raw(store.uow(), garbage, "smtp").inbound_id
    outcome = process_inbound(store, sla, inbound_id, trust=TRUST)
    assert outcome.state in {"quarantined", "not_order"}
    with store.uow(read_only=True) as uow:
        row = uow.session.execute(select(inbound_messages).where(inbound_messages.c.id == inbound_id)).one()
        assert bytes(uow.session.execute(select(evidence.c.content).where(
            evidence.c.sha256 == row.evidence_sha256)).scalar_one()) == garbage


def test_a_crash_after_the_order_was_opened_does_not_open_it_twice(store, sla, authorities):
    raw = sample("02_quoted_printable_soft_breaks.eml")
    inbound_id = receive_raw(store.uow(), raw, "smtp").inbound_id
    first = process_inbound(store, sla, inbound_id, trust=TRUST)
    with store.engine.begin() as connection:  # as if we died before marking the message done
        connection.execute(update(inbound_messages).values(state="received"))
    again = process_inbound(store, sla, inbound_id, trust=TRUST)
    assert again.order_id == first.order_id
    with store.uow(read_only=True) as uow:
        assert uow.session.execute(text("SELECT count(*) FROM orders")).scalar_one() == 1


def test_a_follow_up_with_more_targets_is_a_new_revision(store, sla, authorities):
    original = sample("01_plain_text_list.eml")
    follow_up = (original.replace(b"Message-ID: <20250312030426", b"Message-ID: <20250312090000")
                 .replace(b"5. https://daulahupdate.t.me", b"5. https://daulahupdate.t.me\r\n6. https://t.me/daulah_baru_2025"))
    for raw in (original, follow_up):
        process_inbound(store, sla, receive_raw(store.uow(), raw, "smtp").inbound_id, trust=TRUST)
    with store.uow(read_only=True) as uow:
        revisions = uow.session.execute(select(orders.c.reference, orders.c.revision).order_by(orders.c.revision)).all()
    assert [r.revision for r in revisions] == [1, 2]
    assert revisions[0].reference == revisions[1].reference


def test_acknowledgement_then_final_status_in_the_same_thread(store, intake_settings, authorities, relay,
                                                             moderator, senior):
    raw = sample("04_eu_removal_order.eml")
    receive_raw(store.uow(), raw, "smtp")
    worker = IntakeWorker(store, intake_settings, mailer_from_settings(intake_settings))
    first = worker.run_once()
    assert [o.state for o in first.processed] == ["order"]
    assert first.replies.acknowledgements == 1 and first.replies.final_statuses == 0
    original = message_from_bytes(raw, policy=policy.default)
    ack = message_from_bytes(relay.messages[0], policy=policy.default)
    assert ack["In-Reply-To"] == original["Message-ID"]
    assert original["Message-ID"] in ack["References"]
    assert ack["To"] == "tco.orders@garda.ie" and ack["Auto-Submitted"] == "auto-replied"
    body = ack.get_content()
    assert "TCO-IE-2026-000214" in body and "WIB" in body
    assert "https://t.me/relay_sahm_en/4410" in body
    assert "youtube.com" in body  # what was not taken, and why
    assert worker.run_once().replies.acknowledgements == 0  # acknowledged once
    with store.uow(read_only=True) as uow:
        case_ids = [link.case_id for link in uow.orders.get(first.processed[0].order_id).targets]
    for case_id in case_ids:
        decide(store.uow(), case_id, DecisionRequest("no_action", "not reachable on this platform"), moderator)
    assert worker.run_once().replies.final_statuses == 0  # not settled while approvals wait
    for case_id in case_ids:
        approve(store.uow(), case_id, senior)
    assert worker.run_once().replies.final_statuses == 1
    final = message_from_bytes(relay.messages[-1], policy=policy.default)
    assert final["In-Reply-To"] == original["Message-ID"]
    assert "not reachable on this platform" in final.get_content()


def test_a_relay_outage_delays_the_acknowledgement_but_does_not_lose_it(store, intake_settings, authorities, relay):
    receive_raw(store.uow(), sample("05_csv_attachment.eml"), "smtp")
    dead = intake_settings.model_copy(update={"smtp_relay_port": 1})
    assert IntakeWorker(store, dead, mailer_from_settings(dead)).run_once().replies.failures == 1
    assert IntakeWorker(store, intake_settings,
                        mailer_from_settings(intake_settings)).run_once().replies.acknowledgements == 1


def test_a_reversal_on_appeal_is_reported_back_to_the_authority(store, intake_settings, authorities, relay,
                                                                 moderator, senior):
    from tanggap.domain.model import CaseState
    from tanggap.services.appeals import resolve_appeal, submit_appeal

    receive_raw(store.uow(), sample("02_quoted_printable_soft_breaks.eml"), "smtp")
    worker = IntakeWorker(store, intake_settings, mailer_from_settings(intake_settings))
    order_id = worker.run_once().processed[0].order_id
    with store.uow(read_only=True) as uow:
        case_ids = [link.case_id for link in uow.orders.get(order_id).targets]
    for case_id in case_ids:
        decide(store.uow(), case_id, DecisionRequest("block", "illegal gambling", ["ID"]), moderator)
        with store.uow() as uow:  # as if the platform had confirmed
            uow.cases.get(case_id).state = CaseState.ACTIONED
            uow.cases.get(case_id).actioned_at = uow.clock.now()
            uow.commit()
    assert worker.run_once().replies.final_statuses == 1
    appeal = submit_appeal(store.uow(), "https://t.me/olympus_slot_id", "owner", "not gambling", None, "public")
    resolve_appeal(store.uow(), appeal.appeal_id, True, "a travel channel, not gambling", senior)
    assert worker.run_once().replies.final_statuses == 0  # only proposed: still blocked, nothing to tell
    from tanggap.domain.access import SYSTEM
    from tanggap.services.accounts import add_user, principal_for_key
    from tanggap.services.reversals import approve_reversal

    second = principal_for_key(store.uow(), add_user(store.uow(), "wati", "senior", ["id"], SYSTEM).api_key)
    approve_reversal(store.uow(), appeal.case_id, second)
    assert worker.run_once().replies.final_statuses == 1
    update_mail = message_from_bytes(relay.messages[-1], policy=policy.default).get_content()
    assert "reversed on appeal" in update_mail and "https://t.me/olympus_slot_id" in update_mail
    assert worker.run_once().replies.final_statuses == 0  # told once
