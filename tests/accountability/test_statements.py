"""Statements of reasons: one per restricting decision and per reversal, valid by the DSA
Transparency Database's rules; non-EU scopes kept in our own fields."""

import json

import pytest
from typer.testing import CliRunner

from tanggap.cli import app
from tanggap.domain.dsa import EEA_COUNTRIES, problems
from tanggap.services.statements import statements_since
from tests.accountability.world import at

APPEAL = "https://tanggap.example/appeal"


@pytest.fixture
def decided(activity, ministry):
    ordered = activity.order("2026-11-10T09:00+07:00", ministry, "@kabar_a", "@kabar_b", "@kabar_c",
                             "t.me/kabar_d/12", "@kabar_news", reference="B-77/DJAI/2026")
    activity.decide("2026-11-10T10:00+07:00", ordered[0])
    activity.decide("2026-11-10T10:00+07:00", ordered[1], scope=["ID"])
    activity.decide("2026-11-10T10:00+07:00", ordered[2], scope=["ID", "DE"])
    activity.decide("2026-11-10T10:00+07:00", ordered[3], action="remove_post")
    activity.decide("2026-11-10T10:00+07:00", ordered[4], action="no_action", reason_code="not_violating",
                    reason="a news report")
    activity.approve_last(ordered[4])
    found = activity.proactive("2026-11-11T09:00+07:00", "@found_by_scan")
    activity.decide("2026-11-11T10:00+07:00", found, legal_basis=None)
    activity.reverse("2026-11-12T10:00+07:00", "@kabar_a")
    return ordered + [found]


def by_target(statements):
    return {(s.target, s.kind): s for s in statements}


def test_every_decision_has_a_valid_statement_and_a_reversal_has_its_own(store, decided):
    found = statements_since(store.uow(), at("2026-11-01T00:00+07:00"), APPEAL)
    assert len(found) == 7  # six decisions, one reversal
    refusal = by_target(found)[("https://t.me/kabar_news", "no_restriction")]
    assert not refusal.submittable and refusal.own["reason"] == "a news report"
    assert all(not s.dsa_problems for s in found)
    statements = by_target(found)
    worldwide = statements[("https://t.me/kabar_a", "decision")]
    assert worldwide.submittable and worldwide.dsa["territorial_scope"] == list(EEA_COUNTRIES)
    assert worldwide.dsa["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert worldwide.dsa["source_type"] == "SOURCE_TYPE_OTHER_NOTIFICATION"
    assert "B-77/DJAI/2026" in worldwide.dsa["source_identity"]
    assert worldwide.own["appeal"]["url"] == APPEAL
    reversal = statements[("https://t.me/kabar_a", "reversal")]
    assert reversal.puid == f"{worldwide.puid}-reversal" and not reversal.submittable
    indonesia_only = statements[("https://t.me/kabar_b", "decision")]
    assert not indonesia_only.submittable and indonesia_only.own["territorial_scope_all"] == ["ID"]
    assert statements[("https://t.me/kabar_c", "decision")].dsa["territorial_scope"] == ["DE"]
    post = statements[("https://t.me/kabar_d/12", "decision")]
    assert post.dsa["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    proactive = statements[("https://t.me/found_by_scan", "decision")]
    assert proactive.dsa["source_type"] == "SOURCE_VOLUNTARY" and proactive.dsa["automated_detection"] == "Yes"
    assert proactive.dsa["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"


VALID = {
    "decision_visibility": ["DECISION_VISIBILITY_CONTENT_DISABLED"],
    "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
    "illegal_content_legal_ground": "TCO Regulation", "illegal_content_explanation": "propaganda",
    "category": "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", "content_type": ["CONTENT_TYPE_TEXT"],
    "territorial_scope": ["DE", "NO"], "content_date": "2026-11-01", "application_date": "2026-11-02",
    "decision_facts": "blocked", "source_type": "SOURCE_VOLUNTARY", "automated_detection": "No",
    "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED", "puid": "01ABC-def_9",
}


@pytest.mark.parametrize("change, field", [
    ({"territorial_scope": ["ID"]}, "territorial_scope"),
    ({"territorial_scope": ["DE", "DE"]}, "territorial_scope"),
    ({"puid": "has space"}, "puid"),
    ({"puid": "x" * 501}, "puid"),
    ({"puid": "ok\n"}, "puid"),
    ({"category": "STATEMENT_CATEGORY_TERRORISM"}, "category"),
    ({"decision_visibility": [], "decision_provision": None}, "decision_visibility"),
    ({"decision_visibility": ["DECISION_VISIBILITY_OTHER"]}, "decision_visibility_other"),
    ({"illegal_content_explanation": "x" * 2001}, "illegal_content_explanation"),
    ({"illegal_content_legal_ground": ""}, "illegal_content_legal_ground"),
    ({"decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT"}, "incompatible_content_ground"),
    ({"content_type": ["CONTENT_TYPE_OTHER"]}, "content_type_other"),
    ({"content_date": "01-11-2026"}, "content_date"),
    ({"content_date": "1999-12-31"}, "content_date"),
    ({"application_date": "2026-10-31"}, "application_date"),
    ({"decision_facts": "x" * 5001}, "decision_facts"),
    ({"automated_detection": "yes"}, "automated_detection"),
    ({"source_identity": "someone"}, "source_identity"),
    ({"content_language": "id"}, "content_language"),
])
def test_the_databases_rules_are_checked(change, field):
    assert problems(VALID) == {}
    assert field in problems({**VALID, **change})


def test_export_sor_writes_one_line_per_statement_and_nothing_new_on_rerun(store, decided, store_url,
                                                                            tmp_path, monkeypatch):
    monkeypatch.setenv("TANGGAP_DATABASE_URL", store_url)
    out = tmp_path / "sor.jsonl"
    first = CliRunner().invoke(app, ["export", "sor", "--since", "2026-11-01", "--out", str(out)])
    assert first.exit_code == 0, first.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 7 and len({line["puid"] for line in lines}) == 7
    assert all(problems(line["dsa"]) == {} for line in lines if line["dsa_submittable"])
    again = CliRunner().invoke(app, ["export", "sor", "--since", "2026-11-01", "--out", str(out)])
    assert again.exit_code == 0 and [json.loads(x) for x in out.read_text().splitlines()] == lines
    bad = CliRunner().invoke(app, ["export", "sor", "--since", "last week", "--out", str(out)])
    assert bad.exit_code == 1 and "YYYY-MM-DD" in bad.output
