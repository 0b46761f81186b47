"""The CLI against a real database named by TANGGAP_DATABASE_URL (SQLite and PostgreSQL)."""

from sqlalchemy import text
from typer.testing import CliRunner

from tanggap.cli import app
from tanggap.services.accounts import hash_key, login

runner = CliRunner()


def run(store_url, tmp_path, *args):
    env = {"TANGGAP_DATABASE_URL": store_url, "TANGGAP_VAR_DIR": str(tmp_path / "var")}
    return runner.invoke(app, list(args), env=env)


def test_db_upgrade_is_idempotent(store_url, tmp_path):
    result = run(store_url, tmp_path, "db", "upgrade")
    assert result.exit_code == 0, result.output


def test_authority_add_prints_the_key_once_and_stores_only_its_hash(store, store_url, tmp_path):
    result = run(store_url, tmp_path, "authority", "add", "Kemkomdigi", "--jurisdiction", "ID",
                 "--domain", "komdigi.go.id")
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("tgp_")
    with store.engine.connect() as connection:
        stored = connection.execute(text("SELECT key_hash FROM api_keys")).scalars().all()
        dump = " ".join(str(row) for row in connection.execute(text("SELECT * FROM api_keys")))
    assert stored == [hash_key(key)] and key not in dump
    again = run(store_url, tmp_path, "authority", "add", "Kemkomdigi", "--jurisdiction", "ID")
    assert again.exit_code == 1 and "already exists" in again.output


def test_user_add_prints_a_password_that_logs_in(store, store_url, tmp_path):
    result = run(store_url, tmp_path, "user", "add", "sari", "--role", "moderator", "--lang", "id,en")
    assert result.exit_code == 0, result.output
    password = next(line.split(": ", 1)[1] for line in result.output.splitlines() if line.startswith("password: "))
    principal = login(store.uow(), "sari", password)
    assert principal.role == "moderator" and principal.languages == ("en", "id")
    assert login(store.uow(), "sari", "not-the-password") is None
    bad = run(store_url, tmp_path, "user", "add", "eve", "--role", "overlord")
    assert bad.exit_code == 1 and "unknown role" in bad.output


def test_audit_verify_reports_the_first_broken_link(store, store_url, tmp_path):
    run(store_url, tmp_path, "authority", "add", "A1", "--jurisdiction", "ID")
    run(store_url, tmp_path, "authority", "add", "A2", "--jurisdiction", "EU")
    assert run(store_url, tmp_path, "audit", "verify").exit_code == 0
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET kind = 'nothing_happened' WHERE seq = 2"))
    result = run(store_url, tmp_path, "audit", "verify")
    assert result.exit_code == 1
    assert "broken at event 2" in result.output


def _recompute_hashes_from(connection, first_seq):
    """What an attacker with database access does after rewriting a row: re-chain everything."""
    from tanggap.domain.audit import event_hash
    from tanggap.store.audit_log import iter_events
    from sqlalchemy.orm import Session

    with Session(bind=connection) as session:
        events = list(iter_events(session))
    prev = next((e.hash for e in events if e.seq == first_seq - 1), "0" * 64)
    for event in events:
        if event.seq < first_seq:
            continue
        digest = event_hash(prev, event.seq, event.at, event.actor, event.kind, event.subject_type,
                            event.subject_id, event.payload)
        connection.execute(text("UPDATE audit_events SET prev_hash = :p, hash = :h WHERE seq = :s"),
                           {"p": prev, "h": digest, "s": event.seq})
        prev = digest


def _three_authorities(store_url, tmp_path):
    for name in ("A1", "A2", "A3"):
        assert run(store_url, tmp_path, "authority", "add", name, "--jurisdiction", "ID").exit_code == 0
    ok = run(store_url, tmp_path, "audit", "verify")
    assert ok.exit_code == 0 and "signed checkpoints hold" in ok.output, ok.output


def test_audit_verify_fails_when_the_newest_events_are_deleted(store, store_url, tmp_path):
    _three_authorities(store_url, tmp_path)
    with store.engine.begin() as connection:
        newest = connection.execute(text("SELECT max(seq) FROM audit_events")).scalar_one()
        connection.execute(text("DELETE FROM audit_events WHERE seq >= :s"), {"s": newest - 1})
    result = run(store_url, tmp_path, "audit", "verify")
    assert result.exit_code == 1
    assert f"events {newest - 1}..{newest} are missing" in result.output


def test_audit_verify_fails_when_history_is_rewritten_and_rehashed(store, store_url, tmp_path):
    _three_authorities(store_url, tmp_path)
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET actor = 'user:nobody' WHERE seq = 1"))
        _recompute_hashes_from(connection, 1)
    from tanggap.services.audit import verify_audit_log
    assert verify_audit_log(store.uow()).intact  # the bare chain is fooled...
    result = run(store_url, tmp_path, "audit", "verify")  # ...the signed checkpoints are not
    assert result.exit_code == 1
    assert "does not match the signed checkpoint" in result.output


def test_a_forged_checkpoint_is_refused(store, store_url, tmp_path):
    _three_authorities(store_url, tmp_path)
    checkpoints = tmp_path / "var" / "audit" / "checkpoints.jsonl"
    lines = checkpoints.read_text().splitlines()
    checkpoints.write_text("\n".join(lines[:-1] + [lines[-1].replace('"mac":"', '"mac":"0')]) + "\n")
    result = run(store_url, tmp_path, "audit", "verify")
    assert result.exit_code == 1 and "wrong signature" in result.output


def test_a_disabled_user_and_a_revoked_key_stop_working_at_once(store, store_url, tmp_path):
    from tanggap.services.accounts import principal_for_key

    added = run(store_url, tmp_path, "user", "add", "sari", "--role", "moderator")
    key = added.output.strip().splitlines()[-1].split(": ", 1)[1]
    assert principal_for_key(store.uow(), key) is not None
    assert run(store_url, tmp_path, "user", "disable", "sari").exit_code == 0
    assert principal_for_key(store.uow(), key) is None
    assert run(store_url, tmp_path, "user", "disable", "sari").exit_code == 1  # said, not silent
    assert run(store_url, tmp_path, "user", "enable", "sari").exit_code == 0
    assert principal_for_key(store.uow(), key) is not None
    listed = run(store_url, tmp_path, "key", "list").output
    assert key[:8] in listed and key not in listed
    assert run(store_url, tmp_path, "key", "revoke", key[:8]).exit_code == 0
    assert principal_for_key(store.uow(), key) is None
    assert run(store_url, tmp_path, "key", "revoke", key[:8]).exit_code == 1


def test_key_rotation_revokes_the_old_keys_and_prints_a_new_one(store, store_url, tmp_path):
    from tanggap.services.accounts import principal_for_key

    added = run(store_url, tmp_path, "authority", "add", "Kemkomdigi", "--jurisdiction", "ID")
    old = added.output.strip().splitlines()[-1]
    rotated = run(store_url, tmp_path, "key", "rotate", "--authority", "Kemkomdigi")
    assert rotated.exit_code == 0, rotated.output
    new = rotated.output.strip().splitlines()[-1]
    assert new.startswith("tgp_") and new != old
    assert principal_for_key(store.uow(), old) is None
    assert principal_for_key(store.uow(), new).name == "Kemkomdigi"
