"""`tanggap platform serve|seed`."""

from __future__ import annotations

import sqlite3

from typer.testing import CliRunner

from tanggap.platforms.cli import platform_app

runner = CliRunner()


def test_serve_refuses_to_start_without_a_token(monkeypatch, tmp_path):
    monkeypatch.delenv("TANGGAP_PLATFORM_TOKEN", raising=False)
    result = runner.invoke(platform_app, ["serve", "--db", str(tmp_path / "p.db")])
    assert result.exit_code == 2
    assert "TANGGAP_PLATFORM_TOKEN" in result.output
    result = runner.invoke(platform_app, ["serve", "--db", str(tmp_path / "p.db")],
                           env={"TANGGAP_PLATFORM_TOKEN": "   "})
    assert result.exit_code == 2


def test_seed_builds_the_world_and_says_what_is_in_it(tmp_path):
    db = tmp_path / "var" / "platform.db"
    result = runner.invoke(platform_app, ["seed", "--db", str(db), "--channels", "24"])
    assert result.exit_code == 0, result.output
    assert "propaganda" in result.output and "ordinary" in result.output
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM channels").fetchone() == (24,)


def test_seed_refuses_a_world_too_small_for_every_kind(tmp_path):
    result = runner.invoke(platform_app, ["seed", "--db", str(tmp_path / "p.db"), "--channels", "2"])
    assert result.exit_code != 0
