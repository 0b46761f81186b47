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
