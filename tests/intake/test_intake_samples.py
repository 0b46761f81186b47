"""The parser over every sample e-mail, compared with its expected.jsonl.

Three sets: the shared samples that came with the issue (``../shared/samples/intake`` from the
repository root, skipped where absent), the copy of them kept in this repository (always
run), and our own samples for the spellings and containers the shared ones do not cover.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tanggap.intake import parse_file
from tanggap.intake.cli import intake_app

SAMPLES = Path(__file__).parent / "samples"
SHARED_COPY = SAMPLES / "shared"
SHARED_ORIGINAL = Path(__file__).parents[2] / ".." / "shared" / "samples" / "intake"
CONTRACT_FIELDS = ("file", "is_order", "order_reference", "deadline_hours", "targets")


def expected(folder: Path) -> dict[str, dict]:
    lines = (folder / "expected.jsonl").read_text(encoding="utf-8").splitlines()
    return {record["file"]: record for record in map(json.loads, filter(None, lines))}


def parsed_contract(path: Path) -> dict:
    record = parse_file(path).contract(path.name)
    return {key: record[key] for key in CONTRACT_FIELDS}


@pytest.mark.parametrize("name", sorted(expected(SHARED_COPY)))
def test_shared_sample_copy_parses_as_expected(name):
    assert parsed_contract(SHARED_COPY / name) == expected(SHARED_COPY)[name]


@pytest.mark.parametrize("name", sorted(expected(SAMPLES)))
def test_own_sample_parses_as_expected(name):
    assert parsed_contract(SAMPLES / name) == expected(SAMPLES)[name]


def test_every_sample_file_has_an_expected_line():
    for folder in (SHARED_COPY, SAMPLES):
        assert sorted(p.name for p in folder.glob("*.eml")) == sorted(expected(folder))


def test_shared_samples_in_place_parse_as_expected():
    if not (SHARED_ORIGINAL / "expected.jsonl").is_file():
        pytest.skip(f"the shared samples folder {SHARED_ORIGINAL.resolve()} is absent; "
                    f"its copy in {SHARED_COPY} is tested")
    wanted = expected(SHARED_ORIGINAL)
    assert sorted(p.name for p in SHARED_ORIGINAL.glob("*.eml")) == sorted(wanted)
    for name, record in wanted.items():
        assert parsed_contract(SHARED_ORIGINAL / name) == record, name


def test_shared_copy_is_unchanged_from_the_original():
    if not SHARED_ORIGINAL.is_dir():
        pytest.skip(f"the shared samples folder {SHARED_ORIGINAL.resolve()} is absent")
    for original in sorted(SHARED_ORIGINAL.glob("*.eml")) + [SHARED_ORIGINAL / "expected.jsonl"]:
        assert (SHARED_COPY / original.name).read_bytes() == original.read_bytes(), original.name


def test_the_command_prints_the_expected_lines_for_all_samples():
    files = [str(path) for path in sorted(SHARED_COPY.glob("*.eml"))]
    result = CliRunner().invoke(intake_app, ["parse", *files, "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["file"] for line in lines] == files  # the path as given, in the order given
    wanted = expected(SHARED_COPY)
    for line in lines:
        name = Path(line["file"]).name
        assert {key: line[key] for key in CONTRACT_FIELDS[1:]} == {
            key: wanted[name][key] for key in CONTRACT_FIELDS[1:]
        }
        assert line["error"] is None
        assert isinstance(line["warnings"], list)
