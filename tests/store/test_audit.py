from sqlalchemy import text

from tanggap.services.audit import verify_audit_log
from tanggap.services.decisions import DecisionRequest, decide
from tanggap.services.orders import ingest_order
from tanggap.store.audit_log import events_for
from tests.builders import order_for


def test_every_state_change_is_in_an_intact_chain(store, sla, ministry, moderator):
    receipt = ingest_order(store.uow(), sla, order_for(ministry, "@kabar_x", "@daulah_x"), ministry)
    decide(store.uow(), receipt.case_ids[0], DecisionRequest("block", "terrorist propaganda"), moderator)
    report = verify_audit_log(store.uow())
    assert report.intact and report.events > 5
    with store.uow() as uow:
        kinds = [e.kind for e in events_for(uow.session, "case", receipt.case_ids[0])]
    assert kinds == ["case_opened", "order_attached", "case_triage", "case_claim", "case_decide"]


def test_a_tampered_row_is_reported_as_the_first_broken_link(store, sla, ministry, moderator):
    receipt = ingest_order(store.uow(), sla, order_for(ministry, "@kabar_x", "@daulah_x"), ministry)
    decide(store.uow(), receipt.case_ids[0], DecisionRequest("block", "terrorist propaganda"), moderator)
    with store.engine.begin() as connection:
        seq = connection.execute(text("SELECT seq FROM audit_events WHERE kind = 'case_decide'")).scalar_one()
        connection.execute(text("UPDATE audit_events SET actor = 'user:someone_else' WHERE seq = :seq"), {"seq": seq})
    report = verify_audit_log(store.uow())
    assert not report.intact
    assert report.broken.seq == seq
    assert "altered" in report.broken.reason


def test_a_deleted_row_is_detected(store, sla, ministry):
    ingest_order(store.uow(), sla, order_for(ministry, "@kabar_x", "@daulah_x"), ministry)
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events WHERE seq = 3"))
    assert verify_audit_log(store.uow()).broken.seq == 3


def test_migrations_match_the_models(store_url):
    from alembic import command

    from tanggap.store.migrate import alembic_config
    command.check(alembic_config(store_url))  # raises when a model change lacks a migration


def test_views_already_audited_keep_their_key_after_the_migration(tmp_path):
    """0015 moves the redelivery key of case views out of the audit payloads into case_views."""
    from sqlalchemy import create_engine

    from tanggap.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0014")
    engine = create_engine(url)
    with engine.begin() as connection:
        for seq, view_id in ((1, "01JVIEW0000000000000000001"), (2, "01JVIEW0000000000000000001"), (3, None)):
            payload = '{"via": "console"' + (f', "view_id": "{view_id}"' if view_id else "") + "}"
            connection.execute(text(
                "INSERT INTO audit_events (seq, at, actor, kind, subject_type, subject_id, payload, prev_hash, hash)"
                " VALUES (:seq, '2026-11-29 10:00:00', 'user:a', 'case_viewed', 'case', 'C1', :payload, '', '')"),
                {"seq": seq, "payload": payload})
    upgrade(url)
    with engine.begin() as connection:
        rows = connection.execute(text("SELECT view_id, case_id FROM case_views")).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [("01JVIEW0000000000000000001", "C1")]
