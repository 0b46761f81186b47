"""The events the domain raises besides decisions, each through a real transport (the embedded
outbox, NATS JetStream) to its handler: the side effect happens once, also when the message is
delivered again after a worker died between the effect and the ack, and the sweeps that stay as
a safety net do not send it a second time. Mail goes through a real SMTP server (tests/intake_flow)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from tanggap.bus.handlers import Outbound, effects_handlers
from tanggap.bus.worker import Worker, relay as relay_outbox
from tanggap.domain.events import AppealResolved, CaseViewed, EnforcementRequested, OrderReceived, OrderSettled
from tanggap.domain.model import CaseState
from tanggap.intake.worker import mailer_from_settings
from tanggap.services.appeals import resolve_appeal, submit_appeal
from tanggap.services.case_views import case_viewed
from tanggap.services.decisions import DecisionRequest, approve, decide
from tanggap.services.intake import process_pending, receive_raw
from tanggap.services.replies import send_due_replies
from tanggap.store.outbox import outbox
from tanggap.store.tables import audit_events, inbound_messages
from tests.intake_flow import conftest as intake_flow
from tests.intake_flow.conftest import TRUST, sample

# The intake tests' fixtures: their authorities, a real SMTP server as the relay, its settings.
authorities, relay, intake_settings = intake_flow.authorities, intake_flow.relay, intake_flow.intake_settings

ORDER_MAIL = "02_quoted_printable_soft_breaks.eml"  # Komdigi: three gambling channels


class DiesBeforeAck:
    """A worker that did the effect and died before its ack: the transport hands the message
    to another worker after the lease (embedded) or ack_wait (NATS)."""

    def __init__(self, transport):
        self.transport = transport
        self.name = transport.name

    def __getattr__(self, name):
        return getattr(self.transport, name)

    async def ack(self, delivery):
        return None


class Counting:
    """The handlers as the workers run them, counting how often each subject was handled."""

    def __init__(self, handlers):
        self.calls: dict[str, int] = {}
        self.handlers = {subject: self._counted(subject, handler) for subject, handler in handlers.items()}

    def _counted(self, subject, handler):
        def handle(events):
            self.calls[subject] = self.calls.get(subject, 0) + len(events)
            handler(events)
        return handle


def run_effects(loop, store, transport, handlers, *, die_before_ack=False, rounds=60):
    """Relay (NATS) and let an effects worker take everything; with `die_before_ack` it dies
    after each effect, and a second worker takes the redelivered messages until none wait."""
    if transport.name != "embedded":
        loop.run_until_complete(relay_outbox(store, transport))
    if die_before_ack:
        dying = Worker(DiesBeforeAck(transport), "effects", "events", handlers, batch=20)
        for _ in range(3):
            loop.run_until_complete(dying.step(0.2))
    worker = Worker(transport, "effects", "events", handlers, batch=20)
    for _ in range(rounds):
        loop.run_until_complete(worker.step(0.2))
        if loop.run_until_complete(transport.pending("effects", "events")) == 0:
            return
    raise AssertionError("the effects worker did not finish")


@pytest.fixture
def mail(intake_settings):
    return Outbound(mailer_from_settings(intake_settings), intake_settings.intake_address)


def subjects_in_outbox(store):
    with store.uow(read_only=True) as uow:
        return [row.subject for row in uow.session.execute(select(outbox.c.subject).order_by(outbox.c.id))]


def mails(relay, words):
    return [m for m in relay.messages if words in message_from_bytes(m, policy=policy.default).get_content()]


def e_mail_order(store, sla):
    receive_raw(store.uow(), sample(ORDER_MAIL), "smtp")
    outcome, = process_pending(store, sla, trust=TRUST)
    assert outcome.state == "order"
    return outcome.order_id


def inbound_row(store, order_id):
    with store.uow(read_only=True) as uow:
        return uow.session.execute(select(inbound_messages).where(inbound_messages.c.order_id == order_id)).one()


def case_ids_of(store, order_id):
    with store.uow(read_only=True) as uow:
        return [link.case_id for link in uow.orders.get(order_id).targets]


@pytest.mark.parametrize("die_before_ack", [False, True], ids=["acked", "redelivered"])
def test_an_e_mail_order_is_acknowledged_once_by_the_effects_worker(loop, store, transport, sla, authorities,
                                                                      relay, mail, die_before_ack):
    order_id = e_mail_order(store, sla)
    assert subjects_in_outbox(store).count(OrderReceived.subject) == 2  # stored; then filed under its e-mail
    counting = Counting(effects_handlers(store, None, outbound=mail))
    run_effects(loop, store, transport, counting.handlers, die_before_ack=die_before_ack)
    if die_before_ack:
        assert counting.calls[OrderReceived.subject] >= 4  # each message handled twice
    assert len(mails(relay, "telah kami terima")) == 1
    assert inbound_row(store, order_id).ack_sent_at is not None
    sweep = send_due_replies(store, mail.mailer, mail.sender)  # the intake worker's safety net
    assert sweep.acknowledgements == 0 and len(relay.messages) == 1


class SlowRelay:
    """The real SMTP relay, answering slowly: a second sender arrives while the first sends."""

    def __init__(self, mailer, delay_s):
        self.mailer, self.delay_s = mailer, delay_s

    def send(self, message):
        time.sleep(self.delay_s)
        self.mailer.send(message)


def test_the_sweep_and_a_handler_at_once_send_one_acknowledgement(store, sla, authorities, relay, mail):
    order_id = e_mail_order(store, sla)
    slow = SlowRelay(mail.mailer, 1.0)
    with ThreadPoolExecutor(2) as pool:
        by_handler = pool.submit(send_due_replies, store, slow, mail.sender, order_id)
        by_sweep = pool.submit(send_due_replies, store, slow, mail.sender)
        sent = [by_handler.result(30), by_sweep.result(30)]
    assert len(mails(relay, "telah kami terima")) == 1
    assert sorted(s.acknowledgements for s in sent) == [0, 1] and not any(s.failures for s in sent)


@pytest.mark.parametrize("die_before_ack", [False, True], ids=["acked", "redelivered"])
def test_a_settled_order_gets_its_final_status_once(loop, store, transport, sla, authorities, relay, mail,
                                                    moderator, senior, die_before_ack):
    order_id = e_mail_order(store, sla)
    handlers = effects_handlers(store, None, outbound=mail)
    run_effects(loop, store, transport, handlers)
    case_ids = case_ids_of(store, order_id)
    for case_id in case_ids:
        decide(store.uow(), case_id, DecisionRequest("no_action", "not reachable on this platform"), moderator)
    for case_id in case_ids[:-1]:
        approve(store.uow(), case_id, senior)
    assert OrderSettled.subject not in subjects_in_outbox(store)  # one case still waits for approval
    approve(store.uow(), case_ids[-1], senior)
    assert subjects_in_outbox(store).count(OrderSettled.subject) == 1  # raised by the last approval
    counting = Counting(handlers)
    run_effects(loop, store, transport, counting.handlers, die_before_ack=die_before_ack)
    if die_before_ack:
        assert counting.calls[OrderSettled.subject] >= 2  # handled again after the lost ack
    finals = mails(relay, "telah selesai ditangani")
    assert len(finals) == 1 and "not reachable on this platform" in message_from_bytes(
        finals[0], policy=policy.default).get_content()
    assert inbound_row(store, order_id).final_sent_at is not None
    assert send_due_replies(store, mail.mailer, mail.sender).final_statuses == 0


@pytest.mark.parametrize("die_before_ack", [False, True], ids=["acked", "redelivered"])
def test_a_case_view_is_audited_once_by_a_worker_not_by_the_request(loop, store, transport, sla, ministry,
                                                                     moderator, die_before_ack):
    from tanggap.services.orders import ingest_order
    from tests.builders import order_for

    case_id = ingest_order(store.uow(), sla, order_for(ministry, "@kabar_lihat"), ministry).case_ids[0]
    with store.uow() as uow:  # what the case page and GET /api/v1/cases/{id} do
        viewed = case_viewed(uow, case_id, moderator.actor, "console")
        uow.commit()
    assert views_audited(store, case_id) == []  # nothing written in the request
    counting = Counting(effects_handlers(store, None))
    run_effects(loop, store, transport, counting.handlers, die_before_ack=die_before_ack)
    if die_before_ack:
        assert counting.calls[CaseViewed.subject] >= 2
    audited = views_audited(store, case_id)
    assert len(audited) == 1
    assert audited[0].actor == moderator.actor and audited[0].payload["view_id"] == viewed.view_id
    assert audited[0].payload["viewed_at"] == viewed.viewed_at


def test_the_api_case_view_leaves_its_audit_to_the_worker(loop, store, transport, settings, ministry_key,
                                                          moderator_login):
    from fastapi.testclient import TestClient

    from tanggap.web.app import create_app
    from tests.conftest import bearer

    client = TestClient(create_app(settings.model_copy(update={"effects": "worker"}), store=store))
    order = client.post("/api/v1/orders", headers=bearer(ministry_key), json={
        "reference": "B-7/VIEW", "category": "terrorism", "targets": ["@kabar_tujuh"]}).json()
    case_id = order["targets"][0]["case_id"]
    assert client.get(f"/api/v1/cases/{case_id}", headers=bearer(moderator_login.api_key)).status_code == 200
    assert views_audited(store, case_id) == [] and CaseViewed.subject in subjects_in_outbox(store)
    run_effects(loop, store, transport, effects_handlers(store, None))
    audited = views_audited(store, case_id)
    assert len(audited) == 1 and audited[0].payload["via"] == "api"


def views_audited(store, case_id):
    with store.uow(read_only=True) as uow:
        return uow.session.execute(select(audit_events).where(
            audit_events.c.subject_id == case_id, audit_events.c.kind == "case_viewed")).all()


def appealed_block(store, sla, moderator):
    """An e-mail order's channel blocked (as if the platform had confirmed), then appealed."""
    order_id = e_mail_order(store, sla)
    case_id = case_ids_of(store, order_id)[0]
    decide(store.uow(), case_id, DecisionRequest("block", "illegal gambling", ["ID"]), moderator)
    with store.uow() as uow:
        uow.cases.get(case_id).state = CaseState.ACTIONED
        uow.cases.get(case_id).actioned_at = uow.clock.now()
        uow.commit()
    with store.uow(read_only=True) as uow:
        target = uow.cases.get(case_id).target.canonical
    return submit_appeal(store.uow(), target, "pemilik kanal", "a travel channel", "owner@mail.example", "public")


@pytest.mark.parametrize("die_before_ack", [False, True], ids=["acked", "redelivered"])
def test_the_appellant_hears_the_outcome_once(loop, store, transport, sla, authorities, relay, mail, moderator,
                                              senior, die_before_ack):
    appeal = appealed_block(store, sla, moderator)
    assert AppealResolved.subject not in subjects_in_outbox(store)
    resolve_appeal(store.uow(), appeal.appeal_id, False, "the posts advertise a casino", senior)
    assert subjects_in_outbox(store).count(AppealResolved.subject) == 1
    handlers = effects_handlers(store, None, outbound=mail)  # the block was "confirmed" above
    assert EnforcementRequested.subject not in handlers  # no platform: enforcements wait as pending rows
    counting = Counting(handlers)
    run_effects(loop, store, transport, counting.handlers, die_before_ack=die_before_ack)
    if die_before_ack:
        assert counting.calls[AppealResolved.subject] >= 2
    notices = [message_from_bytes(m, policy=policy.default) for m in relay.messages
               if b"owner@mail.example" in m]
    assert len(notices) == 1
    assert "the decision stands" in notices[0].get_content() and appeal.appeal_id in notices[0].get_content()


def test_an_appeal_proposed_for_reversal_is_not_yet_resolved(store, sla, authorities, moderator, senior):
    appeal = appealed_block(store, sla, moderator)
    resolve_appeal(store.uow(), appeal.appeal_id, True, "a travel channel after all", senior)
    assert AppealResolved.subject not in subjects_in_outbox(store)  # a second senior must approve first


class RefusingMailer:
    def send(self, message):
        raise ConnectionRefusedError("the relay is away")


def test_a_notice_the_handler_could_not_send_goes_out_with_the_next_sweep(store, sla, authorities, relay, mail,
                                                                          moderator, senior):
    """The handler's every attempt failed (its event is in the dead letters): the intake
    worker's sweep sends the notice later, once; a handler run after it sends nothing."""
    from tanggap.notify.appeal_notices import notify_appellant, notify_due_appellants

    appeal = appealed_block(store, sla, moderator)
    resolve_appeal(store.uow(), appeal.appeal_id, False, "the posts advertise a casino", senior)
    with pytest.raises(ConnectionRefusedError):
        notify_appellant(store, RefusingMailer(), mail.sender, appeal.appeal_id)
    assert notify_due_appellants(store, RefusingMailer(), mail.sender) == 0  # logged, left for later
    assert notify_due_appellants(store, mail.mailer, mail.sender) == 1
    assert notify_due_appellants(store, mail.mailer, mail.sender) == 0
    assert notify_appellant(store, mail.mailer, mail.sender, appeal.appeal_id) is False
    assert len([m for m in relay.messages if b"owner@mail.example" in m]) == 1


def test_metrics_show_each_nats_worker_groups_lag(loop, store, settings, moderator_login):
    """On NATS, /metrics shows what each durable consumer has not finished: not yet delivered
    (num_pending) and delivered but not acknowledged (num_ack_pending), beside the outbox."""
    from fastapi.testclient import TestClient
    from ulid import ULID

    from tanggap.bus.nats import NatsTransport, read_consumer_lag
    from tanggap.web.app import create_app
    from tests.bus.conftest import NATS_URL
    from tests.conftest import bearer

    prefix = f"test{str(ULID()).lower()}"
    transport = NatsTransport(NATS_URL, prefix=prefix, ack_wait_s=30.0)
    loop.run_until_complete(transport.start())
    try:
        with store.uow() as uow:
            for n in range(5):
                uow.publish(CaseViewed(f"case{n}", "user:x", "2026-04-01T00:00:00+00:00"))
            uow.commit()
        loop.run_until_complete(relay_outbox(store, transport))
        taken = loop.run_until_complete(transport.fetch("effects", "events", 2, 1.0))  # in a worker's hands
        assert len(taken) == 2
        lag = read_consumer_lag(NATS_URL, prefix)
        assert [(c.stream, c.consumer, c.pending, c.ack_pending) for c in lag] == [("events", "effects", 3, 2)]
        nats_settings = settings.model_copy(update={"bus": "nats", "nats_url": NATS_URL, "nats_prefix": prefix})
        client = TestClient(create_app(nats_settings, store=store))
        metrics = client.get("/metrics", headers=bearer(moderator_login.api_key)).text
        assert 'tanggap_bus_consumer_pending{consumer="effects",stream="events"} 3.0' in metrics
        assert 'tanggap_bus_consumer_ack_pending{consumer="effects",stream="events"} 2.0' in metrics
        assert "tanggap_bus_broker_up 1.0" in metrics
    finally:
        loop.run_until_complete(transport.delete_streams())
        loop.run_until_complete(transport.close())


def test_the_lag_reader_holds_its_connection_and_reconnects_after_a_failure():
    """/metrics keeps one broker connection between scrapes; a failed read drops it, and the
    next read connects again (a broker that was away is read again once it is back)."""
    from tanggap.bus.nats import ConsumerLagReader
    from tests.bus.conftest import NATS_URL

    reader = ConsumerLagReader("nats://127.0.0.1:1", "testlag", timeout_s=1.0)
    try:
        with pytest.raises(Exception):  # noqa: B017 - refused, or timed out: either way no reading
            reader.read()
        assert reader._transport is None
        reader.url = NATS_URL  # the broker is "back"
        assert reader.read() == []  # no stream under this prefix: nothing behind
        held = reader._transport
        assert held is not None and reader.read() == [] and reader._transport is held
    finally:
        reader.close()
    assert reader._transport is None


def test_metrics_still_answer_when_the_broker_is_away(store, settings, moderator_login):
    from fastapi.testclient import TestClient

    from tanggap.web.app import create_app
    from tests.conftest import bearer

    away = settings.model_copy(update={"bus": "nats", "nats_url": "nats://127.0.0.1:1"})
    metrics = TestClient(create_app(away, store=store)).get("/metrics", headers=bearer(moderator_login.api_key))
    assert metrics.status_code == 200
    assert "tanggap_bus_broker_up 0.0" in metrics.text and "tanggap_outbox_waiting" in metrics.text
