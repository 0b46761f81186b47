"""``tanggap intake parse``: the output contract other tools depend on."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tanggap.intake.cli import intake_app

SAMPLE = Path(__file__).parent / "samples" / "shared" / "01_plain_text_list.eml"
NON_ORDER = Path(__file__).parent / "samples" / "shared" / "10_nonorder_out_of_office.eml"
KEYS = ["file", "is_order", "order_reference", "deadline_hours", "targets", "warnings", "error"]


def run(*args: str, stdin: bytes | None = None):
    return CliRunner().invoke(intake_app, ["parse", *args], input=stdin)


def test_one_json_object_per_file_per_line_with_the_fixed_keys():
    result = run(str(SAMPLE), str(NON_ORDER), "--json")
    assert result.exit_code == 0
    first, second = (json.loads(line) for line in result.output.splitlines())
    assert list(first) == KEYS and list(second) == KEYS
    assert first["file"] == str(SAMPLE)
    assert first["is_order"] is True and first["deadline_hours"] == 4
    assert first["targets"] == sorted(first["targets"])
    assert second == {**second, "is_order": False, "order_reference": None, "deadline_hours": None, "targets": []}


def test_an_unreadable_file_gives_an_error_line_and_the_command_goes_on(tmp_path):
    missing = tmp_path / "missing.eml"
    result = run(str(missing), str(tmp_path), str(SAMPLE), "--json")
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["file"] for line in lines] == [str(missing), str(tmp_path), str(SAMPLE)]
    assert "No such file" in lines[0]["error"]
    assert lines[1]["error"]  # a directory
    assert lines[2]["error"] is None and lines[2]["is_order"]


def test_broken_files_give_error_lines_with_exit_code_zero(tmp_path):
    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"")
    noise = tmp_path / "noise.eml"
    noise.write_bytes(bytes(range(256)) * 40)
    result = run(str(empty), str(noise), "--json")
    assert result.exit_code == 0
    errors = [json.loads(line)["error"] for line in result.output.splitlines()]
    assert errors[0] == "empty file"
    assert "not an e-mail" in errors[1]


def test_standard_input_is_read_for_a_dash():
    result = run("-", "--json", stdin=SAMPLE.read_bytes())
    assert result.exit_code == 0
    line = json.loads(result.output)
    assert line["file"] == "-" and line["order_reference"] == "B-0634/DJWD/PW.02.01/03/2025"


def test_usage_errors_exit_non_zero():
    assert run().exit_code != 0  # no file
    assert run(str(SAMPLE), "--no-such-option").exit_code != 0


def test_without_json_a_table_for_people():
    result = run(str(SAMPLE), str(NON_ORDER))
    assert result.exit_code == 0
    assert "B-0634/DJWD" in result.output and "4 h" in result.output
    assert "{" not in result.output
