"""Hash lists as GIFCT, Tech Against Terrorism and ThreatExchange share them."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tanggap.detect.banks.formats import parse_hash_list
from tests.banks.conftest import SAMPLES

PDQ_A = "35921e2082c0d08eff490b4952398d90ca7431db57d1efb871e31fbb32fc5706"
PDQ_B = "f730511ad669613d88ed3107755b4bec834de953d9402233110b4d35bb309772"
MD5_A = "bada4075ab20c107e744e9ef78a410be"


def parse(name: str):
    path = SAMPLES / name
    return parse_hash_list(path.read_bytes(), "csv" if path.suffix == ".csv" else "json")


def summary(parsed):
    return ([(r.signal_type, r.value[:8], r.labels, r.withdrawn) for r in parsed.records],
            {r.where: r.reason for r in parsed.rejects})


def test_gifct_style_csv():
    parsed = parse("gifct_hsdb_export.csv")
    records, rejects = summary(parsed)
    assert records == [
        ("pdq", "35921e20", ("Glorification of Terrorist Acts", "Radicalization Recruitment Instruction", "ISIS"),
         False),
        ("pdq", "f730511a", ("Graphic Violence Against Defenseless People", "ISIS"), False),
        ("md5", "bada4075", ("Terrorist Attack Footage", "ISIS"), False),
        ("pdq", "35921e20", ("Imminent Credible Threat", "ISIS"), False),
        ("sha256", "8a3c7c4a", ("Terrorist Attack Footage", "ISIS"), False),
    ]
    assert rejects == {
        "line 5": "hash type 'PhotoDNA' is not supported (supported: md5, pdq, sha256)",
        "line 6": "pdq: a PDQ hash must be 64 hex characters, got 63",
        "line 7": "pdq: degenerate PDQ hash (0 of 256 bits set): it would match blank and near-blank images",
        "line 8": "no hash type given for the hash value",
        "line 11": "md5: an MD5 must be 32 hex characters, got 31",
    }
    assert parsed.rows == 10 and parsed.notes == ["columns ignored: first_seen"]
    assert all(r.raw for r in parsed.rejects)


def test_wide_csv_with_several_hashes_per_item_and_quality():
    records, rejects = summary(parse("platform_bank_wide.csv"))
    assert [(t, v) for t, v, _, _ in records] == [("pdq", "8c157b01"), ("md5", "32302885"), ("md5", "f03af4e6"),
                                                  ("sha256", "6e2edc2c")]
    assert records[0][2] == ("isis", "nashir")
    assert rejects == {"line 3": "PDQ quality 31 < 50: too unreliable to match on", "line 5": "no hash value"}


def test_tech_against_terrorism_hash_list_page():
    parsed = parse("tat_hash_list_page.json")
    records, rejects = summary(parsed)
    assert records == [("pdq", "fc8e2179", ("islamist", "file_type:jpg"), False),
                       ("md5", "4373492c", ("islamist", "file_type:mp4"), False),
                       ("pdq", "806d68df", ("islamist", "file_type:png"), True),
                       ("sha256", "022275ab", ("far-right", "file_type:pdf"), False)]
    assert rejects == {"record 5 (id 10425)": "pdq: a PDQ hash must be 64 hex characters, got 7"}
    assert parsed.records[0].source_ref == "record 1 (id 10421)"


def test_threatexchange_descriptors():
    records, rejects = summary(parse("threatexchange_descriptors.json"))
    assert records == [("pdq", "cd9f066c", ("terrorism", "isis"), False),
                       ("md5", "894e2ce8", ("terrorism", "al-hayat"), False)]
    assert rejects == {
        "record 3 (id 3058061737574161)": "the source marks it NON_MALICIOUS (disputed)",
        "record 4 (id 3058061737574162)": "hash type 'URI' is not supported (supported: md5, pdq, sha256)",
        "record 5": "not an object",
    }


def test_threatexchange_threat_updates_as_json_lines():
    parsed = parse("threat_updates.jsonl")
    records, rejects = summary(parsed)
    assert records == [("pdq", "b3ca3bda", ("isis", "nashir"), False), ("md5", "dd37a3de", ("isis", "amaq"), False),
                       ("pdq", "0d1f6309", (), False)]
    assert list(rejects) == ["line 4"] and rejects["line 4"].startswith("not JSON")


def test_a_truncated_json_file_is_one_reject():
    parsed = parse("truncated.json")
    assert parsed.records == [] and parsed.rejects[0].where == "file"
    assert parsed.rejects[0].reason.startswith("not JSON: ")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252"])
def test_encodings_of_spreadsheet_exports(encoding):
    text = f"signal_type\tsignal_value\ttags\nHASH_PDQ\t{PDQ_A}\tDaulah – Nashir\n"
    parsed = parse_hash_list(text.encode(encoding), "csv")
    assert [(r.signal_type, r.labels) for r in parsed.records] == [("pdq", ("Daulah – Nashir",))]


def test_withdrawn_rows_in_csv():
    text = f"hash_type,hash,deleted\npdq,{PDQ_A},true\npdq,{PDQ_B},0\n"
    assert [r.withdrawn for r in parse_hash_list(text.encode(), "csv").records] == [True, False]


def test_a_csv_without_a_header_says_so():
    parsed = parse_hash_list(b"name,date\nfoo,2024-01-01\n", "csv")
    assert parsed.records == [] and "no header row" in parsed.rejects[0].reason


def test_headerless_type_value_rows_as_threatexchange_files_have_them():
    parsed = parse_hash_list(f"pdq,{PDQ_A},isis\nmd5,{MD5_A}\n".encode(), "csv")
    assert [(r.signal_type, r.labels, r.source_ref) for r in parsed.records] == [
        ("pdq", ("isis",), "line 1"), ("md5", (), "line 2")]


def test_a_row_with_more_cells_than_the_header_is_rejected():
    parsed = parse_hash_list(f"hash_type,hash\npdq,{PDQ_A},extra\nmd5,{MD5_A}\n".encode(), "csv")
    assert [r.signal_type for r in parsed.records] == ["md5"]
    assert parsed.rejects[0].where == "line 2" and "3 cells" in parsed.rejects[0].reason


def test_comments_and_blank_lines_keep_line_numbers_right():
    text = f"# exported 2024-06-01\nhash_type,hash\n\npdq,{PDQ_A}\nmd5,nothex\n"
    parsed = parse_hash_list(text.encode(), "csv")
    assert parsed.records[0].source_ref == "line 4" and parsed.rejects[0].where == "line 5"


def test_a_single_json_object_and_wide_json_records():
    one = parse_hash_list(json.dumps({"signal_type": "pdq", "signal_value": PDQ_A}).encode(), "json")
    wide = parse_hash_list(json.dumps([{"pdq": PDQ_A, "md5": MD5_A, "labels": ["isis"]}]).encode(), "json")
    assert [r.signal_type for r in one.records] == ["pdq"]
    assert [(r.signal_type, r.labels) for r in wide.records] == [("pdq", ("isis",)), ("md5", ("isis",))]


def test_json_without_a_list_of_records():
    parsed = parse_hash_list(b'{"count": 0, "next": null}', "json")
    assert parsed.records == [] and "no list of hash records" in parsed.rejects[0].reason


def test_an_unknown_format_is_a_programming_error():
    with pytest.raises(ValueError):
        parse_hash_list(b"", "xml")


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=2000), fmt=st.sampled_from(["csv", "json"]))
def test_no_bytes_crash_the_reader(raw, fmt):
    parsed = parse_hash_list(raw, fmt)
    assert all(reject.where and reject.reason for reject in parsed.rejects)


hex_digits = st.text(alphabet="0123456789abcdefABCDEF", min_size=0, max_size=70)
cells = st.one_of(hex_digits, st.text(max_size=20), st.sampled_from(["PDQ", "MD5", "sha256", "PhotoDNA", ""]))


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(cells, cells, cells), max_size=30))
def test_every_csv_row_is_a_record_or_a_reject(rows):
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["hash_type", "hash", "labels"])
    writer.writerows(rows)
    parsed = parse_hash_list(buffer.getvalue().encode(), "csv")
    for record in parsed.records:
        assert record.signal_type in {"pdq", "md5", "sha256"} and record.value == record.value.lower()
    assert len(parsed.records) + len(parsed.rejects) >= parsed.rows - sum(
        1 for row in rows if not "".join(row).strip())
