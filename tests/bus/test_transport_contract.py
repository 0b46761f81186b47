"""The contract every transport keeps: the same tests on the embedded outbox and on NATS."""

from __future__ import annotations

from tanggap.bus.worker import RetryPolicy, Worker, relay
from tanggap.domain.events import DecisionTaken, PostSeen


def deliver(loop, store, transport, events):
    """Events raised in a committed unit of work reach the transport (relayed where it is external)."""
    with store.uow() as uow:
        for event in events:
            uow.publish(event)
        uow.commit()
    if transport.name != "embedded":
        loop.run_until_complete(relay(store, transport))


def drain(loop, worker, rounds=40, timeout_s=0.2):
    for _ in range(rounds):
        loop.run_until_complete(worker.step(timeout_s))


def test_an_event_committed_is_delivered_once_and_acked(loop, store, transport):
    seen = []
    worker = Worker(transport, "effects", "events", {"decision.taken": seen.extend})
    deliver(loop, store, transport, [DecisionTaken("c1", "d1", "e1"), DecisionTaken("c2", "d2", None)])
    drain(loop, worker, rounds=5)
    assert sorted(event.case_id for event in seen) == ["c1", "c2"]
    assert loop.run_until_complete(transport.pending("effects", "events")) == 0


def test_an_event_of_a_rolled_back_change_is_never_delivered(loop, store, transport):
    with store.uow() as uow:
        uow.publish(DecisionTaken("c1", "d1", "e1"))  # no commit
    if transport.name != "embedded":
        loop.run_until_complete(relay(store, transport))
    seen = []
    worker = Worker(transport, "effects", "events", {"decision.taken": seen.extend})
    drain(loop, worker, rounds=2)
    assert seen == []


def test_a_relay_run_twice_delivers_once(loop, store, transport):
    deliver(loop, store, transport, [DecisionTaken("c1", "d1", "e1")])
    if transport.name != "embedded":  # a relay that died before marking its rows: publish again
        from tanggap.store.outbox import outbox
        with store.uow() as uow:
            uow.session.execute(outbox.update().values(relayed_at=None))
            uow.session.commit()
        loop.run_until_complete(relay(store, transport))
    seen = []
    drain(loop, Worker(transport, "effects", "events", {"decision.taken": seen.extend}), rounds=5)
    assert len(seen) == 1


def test_a_failing_handler_is_retried_then_succeeds(loop, store, transport):
    calls = []

    def flaky(events):
        calls.append(events[0].case_id)
        if len(calls) < 3:
            raise RuntimeError("platform said 503")

    worker = Worker(transport, "effects", "events", {"decision.taken": flaky},
                    RetryPolicy(max_attempts=5, backoff_s=(0.05,)))
    deliver(loop, store, transport, [DecisionTaken("c1", "d1", "e1")])
    for _ in range(60):
        loop.run_until_complete(worker.step(0.1))
        if worker.stats.handled:
            break
    assert calls == ["c1", "c1", "c1"]
    assert worker.stats.handled == 1 and worker.stats.retried == 2


def test_a_message_that_always_fails_goes_to_the_dead_letters_and_spares_the_others(loop, store, transport):
    handled = []

    def handler(events):
        if any(event.case_id == "poison" for event in events):
            raise ValueError("cannot handle poison")
        handled.extend(event.case_id for event in events)

    worker = Worker(transport, "effects", "events", {"decision.taken": handler},
                    RetryPolicy(max_attempts=3, backoff_s=(0.05,)))
    deliver(loop, store, transport, [DecisionTaken("ok1", "d", None), DecisionTaken("poison", "d", None),
                                     DecisionTaken("ok2", "d", None)])
    for _ in range(80):
        loop.run_until_complete(worker.step(0.1))
        if worker.stats.dead:
            break
    assert sorted(handled) == ["ok1", "ok2"]
    assert worker.stats.dead == 1
    if transport.name == "embedded":
        from tanggap.store.outbox import dead_letters
        with store.uow(read_only=True) as uow:
            dead = dead_letters(uow.session)
        assert [row["payload"]["case_id"] for row in dead] == ["poison"]
        assert "cannot handle poison" in dead[0]["last_error"]
    else:
        dead = loop.run_until_complete(transport.dead_letters())
        assert [letter["payload"]["case_id"] for letter in dead] == ["poison"]
        assert "cannot handle poison" in dead[0]["error"]


def test_a_worker_that_dies_without_acking_has_its_message_redelivered(loop, store, transport):
    deliver(loop, store, transport, [DecisionTaken("c1", "d1", "e1")])
    taken = loop.run_until_complete(transport.fetch("effects", "events", 10, 1.0))
    assert len(taken) == 1  # ... and the worker that took it dies here, before the ack
    seen = []
    worker = Worker(transport, "effects", "events", {"decision.taken": seen.extend})
    for _ in range(40):
        loop.run_until_complete(worker.step(0.2))
        if seen:
            break
    assert [event.case_id for event in seen] == ["c1"]


def test_posts_and_events_travel_apart(loop, store, transport):
    post = PostSeen("demo", "kabar_x", "17", "teks")
    loop.run_until_complete(transport.publish(post.subject, post.payload(), "demo:17:h"))
    deliver(loop, store, transport, [DecisionTaken("c1", "d1", None)])
    events, posts = [], []
    drain(loop, Worker(transport, "effects", "events", {"decision.taken": events.extend}), rounds=3)
    drain(loop, Worker(transport, "scan", "posts", {"post.seen": posts.extend}), rounds=3)
    assert [event.case_id for event in events] == ["c1"]
    assert [(p.channel, p.post_id) for p in posts] == [("kabar_x", "17")]
