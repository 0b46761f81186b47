"""`tanggap bank …` against a real database named by TANGGAP_DATABASE_URL."""

from __future__ import annotations

from typer.testing import CliRunner

from tanggap.detect.banks.cli import bank_app
from tests.banks.conftest import SAMPLES

runner = CliRunner()


def run(store_url, tmp_path, *args):
    env = {"TANGGAP_DATABASE_URL": store_url, "TANGGAP_VAR_DIR": str(tmp_path / "var")}
    return runner.invoke(bank_app, [str(a) for a in args], env=env)


def test_create_import_list_and_match(store, store_url, tmp_path, propaganda_png, propaganda_forward, flat_png):
    from tanggap.detect.banks.signals import signal_type

    created = run(store_url, tmp_path, "create", "gifct-tve", "--kind", "positive", "--verified")
    assert created.exit_code == 0, created.output
    assert "gifct-tve (positive, verified)" in created.output
    assert run(store_url, tmp_path, "create", "gifct-tve", "--kind", "positive").exit_code == 1

    imported = run(store_url, tmp_path, "import", "gifct-tve", SAMPLES / "gifct_hsdb_export.csv", "--format", "csv")
    assert imported.exit_code == 0, imported.output
    assert "10 rows, 4 added" in imported.output and "5 rejected" in imported.output
    assert "rejected line 5: hash type 'PhotoDNA' is not supported" in imported.output

    value = signal_type("pdq").hash_media(propaganda_png).value
    own = tmp_path / "own.csv"
    own.write_text(f"pdq,labels\n{value},isis\n")
    assert run(store_url, tmp_path, "import", "gifct-tve", own).exit_code == 0

    listed = run(store_url, tmp_path, "list")
    assert listed.exit_code == 0 and "gifct-tve" in listed.output and "positive" in listed.output

    forward, flat = tmp_path / "forward.jpg", tmp_path / "flat.png"
    forward.write_bytes(propaganda_forward)
    flat.write_bytes(flat_png)
    matched = run(store_url, tmp_path, "match", forward, flat)
    assert matched.exit_code == 0, matched.output
    assert "MATCH hash:pdq" in matched.output and "quality 0 < 50" in matched.output
    assert "1 of 2 files match a positive bank" in matched.output


def test_flagged_and_reinstate(store, store_url, tmp_path):
    assert "0 suspended entries" in run(store_url, tmp_path, "flagged").output
    unknown = run(store_url, tmp_path, "reinstate", "01J0000000000000000000000")
    assert unknown.exit_code == 1 and "no bank entry" in unknown.output


def test_import_into_a_missing_bank_fails_cleanly(store, store_url, tmp_path):
    result = run(store_url, tmp_path, "import", "nope", SAMPLES / "tat_hash_list_page.json", "--format", "json")
    assert result.exit_code == 1 and "no bank named 'nope'" in result.output
