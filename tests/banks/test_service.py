"""Banks in the store (SQLite and PostgreSQL): imports, matching, negatives, flood quarantine."""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tanggap.detect.banks.model import BankError, FloodPolicy
from tanggap.detect.banks.service import (
    create_bank, flagged_entries, get_entry, import_hash_list, list_banks, match_media, reinstate_entry,
)
from tanggap.detect.banks.signals import signal_type
from tanggap.detect.banks.tables import hash_bank_entries, hash_entry_hits, hash_list_imports
from tanggap.domain.errors import NotFound, PermissionDenied
from tanggap.domain.signals import Signal
from tanggap.store.audit_log import iter_events
from tanggap.store.tables import evidence
from tests.banks.conftest import SAMPLES, propaganda_image, recompressed

PDQ = signal_type("pdq")
VIDEO = b"\x00\x00\x00\x18ftypmp42" + hashlib.sha256(b"execution video").digest() * 64


def csv_list(*rows: tuple[str, str, str]) -> bytes:
    return ("hash_type,hash,labels\n" + "".join(f"{t},{v},{labels}\n" for t, v, labels in rows)).encode()


def pdq_of(media: bytes) -> str:
    return PDQ.hash_media(media).value


def events(store, kind):
    with store.uow(read_only=True) as uow:
        return [e for e in iter_events(uow.session) if e.kind == kind]


def scalar(store, statement):
    with store.uow(read_only=True) as uow:
        return uow.session.execute(statement).scalar()


# --- banks and imports ----------------------------------------------------------------

def test_a_bank_has_a_unique_name_and_a_kind(store, positive_bank):
    assert positive_bank.kind == "positive" and positive_bank.verified
    with pytest.raises(BankError, match="already exists"):
        create_bank(store, "gifct-tve", "negative")
    with pytest.raises(BankError, match="kind"):
        create_bank(store, "other", "maybe")
    assert [e.payload["name"] for e in events(store, "hash_bank_created")] == ["gifct-tve"]


def test_importing_a_gifct_csv_keeps_good_rows_rejects_bad_ones_and_the_raw_file(store, positive_bank):
    path = SAMPLES / "gifct_hsdb_export.csv"
    report = import_hash_list(store, "gifct-tve", path, "csv")
    assert (report.rows, report.added, report.rejected) == (10, 4, 5)  # line 9 repeats line 2
    assert {r.where for r in report.rejects} == {"line 5", "line 6", "line 7", "line 8", "line 11"}
    assert any("PhotoDNA" in r.reason for r in report.rejects)
    raw = path.read_bytes()
    assert scalar(store, select(evidence.c.content).where(evidence.c.sha256 == report.sha256)) == raw
    with store.uow(read_only=True) as uow:
        stored = uow.session.execute(select(hash_list_imports)).one()
        labels = uow.session.execute(select(hash_bank_entries.c.labels).where(
            hash_bank_entries.c.hash_value.startswith("35921e20"))).scalar_one()
    assert stored.evidence_sha256 == report.sha256 and stored.rejected == 5 and stored.filename == path.name
    assert len(stored.rejects) == 5 and all(r["reason"] for r in stored.rejects)
    assert "Imminent Credible Threat" in labels and "Glorification of Terrorist Acts" in labels
    [event] = events(store, "hash_list_imported")
    assert event.payload["added"] == 4 and event.payload["sha256"] == report.sha256


def test_importing_the_same_list_again_adds_nothing(store, positive_bank):
    import_hash_list(store, "gifct-tve", SAMPLES / "gifct_hsdb_export.csv", "csv")
    again = import_hash_list(store, "gifct-tve", SAMPLES / "gifct_hsdb_export.csv", "csv")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)
    assert scalar(store, select(func.count()).select_from(evidence)) == 1
    assert scalar(store, select(func.count()).select_from(hash_list_imports)) == 2


def test_a_list_that_is_not_json_is_rejected_whole_and_still_kept(store, positive_bank):
    report = import_hash_list(store, "gifct-tve", SAMPLES / "truncated.json", "json")
    assert report.added == 0 and report.rejects[0].where == "file"
    assert scalar(store, select(evidence.c.size).where(evidence.c.sha256 == report.sha256)) > 0


def test_a_withdrawn_hash_stops_matching(store, positive_bank):
    withdrawn = "806d68dfa73084c8eda258dffc4a04fcd0258b59856db0adb4bec89b3be6a77f"
    import_hash_list(store, "gifct-tve", csv_list(("PDQ", withdrawn, "islamist")), "csv")
    report = import_hash_list(store, "gifct-tve", SAMPLES / "tat_hash_list_page.json", "json")
    assert (report.added, report.withdrawn, report.rejected) == (3, 1, 1)
    [entry] = flagged_entries(store)
    assert entry.hash_value == withdrawn and "withdrawn by tat_hash_list_page.json" in entry.suspended_reason


def test_unknown_bank_and_unknown_format_are_refused(store, positive_bank):
    with pytest.raises(NotFound):
        import_hash_list(store, "nope", b"", "csv")
    with pytest.raises(ValueError, match="format"):
        import_hash_list(store, "gifct-tve", b"", "xml")


def test_imports_need_the_manage_permission(store, positive_bank, moderator):
    with pytest.raises(PermissionDenied):
        import_hash_list(store, "gifct-tve", b"", "csv", by=moderator)


# --- matching -------------------------------------------------------------------------

@pytest.fixture
def propaganda_bank(store, positive_bank, propaganda_png):
    import_hash_list(store, "gifct-tve", csv_list(
        ("PDQ", pdq_of(propaganda_png), "isis;nashir"),
        ("MD5", hashlib.md5(VIDEO).hexdigest(), "isis;execution"),
    ), "csv", filename="gifct-2024-06.csv")
    return positive_bank


def test_every_media_item_of_a_channel_is_matched(store, propaganda_bank, propaganda_forward, landscape_png,
                                                  flat_png):
    forward, landscape, flat, video = match_media(store, [
        ("t.me/kabar_x/101#photo", propaganda_forward), ("t.me/kabar_x/102#photo", landscape_png),
        ("t.me/kabar_x/103#photo", flat_png), ("t.me/kabar_x/104#video", VIDEO)])
    [signal] = forward.signals
    assert signal.source == "hash:pdq" and 0 < signal.distance <= 31 and 0.5 <= signal.strength < 1
    assert signal.bank == "gifct-tve" and signal.verified and signal.labels == ("isis", "nashir")
    assert "gifct-tve" in signal.explanation and "isis, nashir" in signal.explanation
    assert "gifct-2024-06.csv line 2" in signal.explanation
    assert isinstance(signal, Signal)  # a case signal like any other, with the match in its details
    assert signal.details == {"bank": "gifct-tve", "entry_id": signal.entry_id, "distance": signal.distance,
                              "verified": True, "labels": ["isis", "nashir"]}
    assert not landscape.signals and not landscape.flags
    assert not flat.signals and any("quality 0 < 50" in flag for flag in flat.flags)
    [exact] = video.signals
    assert exact.source == "hash:md5" and exact.strength == 1.0 and "identical file" in exact.explanation
    assert not video.flags  # a video has no PDQ, and that is no reason to look twice


def test_matches_are_counted_once_per_distinct_medium(store, propaganda_bank, propaganda_png,
                                                      propaganda_forward, clock):
    match_media(store, [("a", propaganda_png), ("b", propaganda_forward)])
    match_media(store, [("c", propaganda_forward)])  # the same file forwarded again
    [entry_id] = {s.entry_id for m in match_media(store, [("d", propaganda_png)]) for s in m.signals}
    entry = get_entry(store, entry_id)
    assert entry.match_count == 2 and entry.last_matched_at == clock.now()


def test_a_negative_bank_cancels_a_positive_match(store, positive_bank, negative_bank, calligraphy_png,
                                                  propaganda_png):
    value = pdq_of(calligraphy_png)
    import_hash_list(store, "gifct-tve", csv_list(("PDQ", value, "isis"), ("PDQ", pdq_of(propaganda_png), "isis")),
                     "csv")
    import_hash_list(store, "benign-religious", csv_list(("PDQ", value, "calligraphy")), "csv")
    benign, propaganda = match_media(store, [("x", calligraphy_png), ("y", propaganda_png)])
    assert benign.signals == () and not benign.matched
    assert [h.bank for h in benign.cancelled] == ["gifct-tve"]
    assert [h.bank for h in benign.negatives] == ["benign-religious"]
    assert propaganda.matched


def test_the_index_follows_the_banks(store, positive_bank, propaganda_png):
    assert not match_media(store, [("a", propaganda_png)])[0].matched
    import_hash_list(store, "gifct-tve", csv_list(("PDQ", pdq_of(propaganda_png), "isis")), "csv")
    assert match_media(store, [("a", propaganda_png)])[0].matched


def test_a_stricter_threshold_can_be_asked_for(store, propaganda_bank, propaganda_forward):
    [result] = match_media(store, [("a", propaganda_forward)], thresholds={"pdq": 0})
    assert not result.matched


# --- flood quarantine -----------------------------------------------------------------

def variants(count: int) -> list[bytes]:
    """Different files of the same picture: each a new medium that matches the same entry."""
    return [recompressed(propaganda_image(), 0.5 + 0.05 * i, 40 + 5 * i) for i in range(count)]


def test_a_hash_that_floods_is_quarantined_flagged_and_stops_matching(store, propaganda_bank, senior,
                                                                      moderator, propaganda_png):
    policy = FloodPolicy(max_distinct=3, window=timedelta(hours=24))
    media = variants(4)
    first = match_media(store, [(f"post-{i}", m) for i, m in enumerate(media[:3])], policy=policy)
    assert all(m.matched for m in first)
    flood = match_media(store, [("post-3", media[3])], policy=policy)[0]
    assert not flood.matched and len(flood.quarantined) == 1
    [entry] = flagged_entries(store)
    assert entry.id == flood.quarantined[0] and entry.suspended and "flood" in entry.suspended_reason
    assert "4 different media within 24 h (limit 3)" in entry.suspended_reason
    assert not match_media(store, [("later", propaganda_png)], policy=policy)[0].matched
    [event] = events(store, "hash_entry_quarantined")
    assert event.subject_id == entry.id and event.payload["distinct_media"] == 4
    assert [b.suspended for b in list_banks(store)] == [1]

    with pytest.raises(PermissionDenied):
        reinstate_entry(store, entry.id, by=moderator)
    again = reinstate_entry(store, entry.id, by=senior, note="real ISIS still; mass forwarding")
    assert not again.suspended and again.suspended_reason is None
    assert match_media(store, [("later", propaganda_png)], policy=policy)[0].matched
    assert events(store, "hash_entry_reinstated")[0].payload["note"] == "real ISIS still; mass forwarding"
    assert scalar(store, select(func.count()).select_from(hash_entry_hits)) == 1  # the window restarted


def test_the_flood_window_slides(store, propaganda_bank, clock):
    policy = FloodPolicy(max_distinct=3, window=timedelta(hours=24))
    media = variants(6)
    match_media(store, [(f"p{i}", m) for i, m in enumerate(media[:3])], policy=policy)
    clock.advance(timedelta(hours=25))
    later = match_media(store, [(f"p{i}", m) for i, m in enumerate(media[3:])], policy=policy)
    assert all(m.matched for m in later) and not flagged_entries(store)
    assert scalar(store, select(func.count()).select_from(hash_entry_hits)) == 3


def test_reinstating_an_unknown_entry_is_not_found(store, senior):
    with pytest.raises(NotFound):
        reinstate_entry(store, "01J0000000000000000000000", by=senior)


def test_migrations_match_the_models_with_the_bank_tables(store_url):
    from alembic import command

    from tanggap.store.migrate import alembic_config
    command.check(alembic_config(store_url))


@pytest.mark.skipif(not os.environ.get("TANGGAP_TEST_DATABASE_URL"), reason="needs PostgreSQL")
def test_bank_tables_are_truncated_between_tests(store):
    assert list_banks(store) == []
