"""Compliance reports show breaches exactly where they happened; the PDF is a real PDF that
renders; an authority sees its own report only; the TCO annual report counts from the same rows."""

import csv
import shutil
import subprocess

import pytest
from PIL import Image
from pypdf import PdfReader
from typer.testing import CliRunner

from tanggap.cli import app
from tanggap.domain.errors import NotFound
from tanggap.services.compliance import compliance_report, tco_report
from tests.conftest import bearer


@pytest.fixture
def month(activity, ministry, eu_authority, clock):
    # Kemkomdigi, terrorism: 4 h. Received 08:00 WIB, deadline 12:00 WIB.
    fast, slow, refused, never = activity.order(
        "2026-11-03T08:00+07:00", ministry, "@fast_one", "@slow_one", "@news_site", "@never_done",
        "https://example.com/not-a-channel", "=HYPERLINK(\"http://evil\")", reference="B-0001/DJAI/11/2026")
    activity.decide("2026-11-03T09:00+07:00", fast)
    activity.decide("2026-11-03T12:45+07:00", slow)  # 45 minutes late
    activity.decide("2026-11-03T10:00+07:00", refused, action="no_action", reason_code="not_violating",
                    reason="a news report about the attack, not propaganda")
    activity.approve_last(refused)
    # EU authority, TCO: one hour.
    (eu_case,) = activity.order("2026-11-04T10:00+01:00", eu_authority, "@tco_target", reference="TCO-1")
    activity.decide("2026-11-04T10:30+01:00", eu_case)
    clock.at = clock.at.replace(day=30)
    return {"fast": fast, "slow": slow, "refused": refused, "never": never}


def test_breaches_are_exactly_where_they_were_made(store, month):
    report = compliance_report(store.uow(), "Kemkomdigi", 2026, 11)
    outcome = {line.row.target: line for line in report.lines}
    assert not outcome["https://t.me/fast_one"].breached
    assert outcome["https://t.me/slow_one"].breached
    assert outcome["https://t.me/slow_one"].late_by.total_seconds() == 45 * 60
    assert outcome["https://t.me/news_site"].row.outcome == "refused" and not outcome["https://t.me/news_site"].breached
    assert outcome["https://t.me/never_done"].row.outcome == "pending" and outcome["https://t.me/never_done"].breached
    assert [line.row.outcome for line in report.lines].count("rejected") == 2
    assert {line.row.target for line in report.breaches} == {"https://t.me/slow_one", "https://t.me/never_done"}
    summary = report.summary
    assert (summary.orders, summary.targets, summary.actioned, summary.refused, summary.unreadable) == (1, 4, 2, 1, 2)
    assert (summary.in_time, summary.breaches) == (1, 2)
    # published by its policy reason; the moderator's own words stay in the authority's report
    assert summary.refusal_reasons == {"No violation found": 1}
    assert outcome["https://t.me/news_site"].row.reason == "a news report about the attack, not propaganda"
    with pytest.raises(NotFound):
        compliance_report(store.uow(), "No Such Ministry", 2026, 11)


def test_report_compliance_writes_a_csv_and_a_pdf_that_renders(store, month, store_url, tmp_path, monkeypatch):
    monkeypatch.setenv("TANGGAP_DATABASE_URL", store_url)
    result = CliRunner().invoke(app, ["report", "compliance", "--authority", "Kemkomdigi", "--month", "2026-11",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((tmp_path / "compliance-kemkomdigi-2026-11.csv").open()))
    assert {r["target"]: r["breach"] for r in rows}["https://t.me/slow_one"] == "yes"
    assert {r["target"]: r["late_by_minutes"] for r in rows}["https://t.me/slow_one"] == "45"
    assert not any(r["target"].startswith("=") for r in rows)  # a formula stays text in a spreadsheet
    pdf = tmp_path / "compliance-kemkomdigi-2026-11.pdf"
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Kemkomdigi" in text and "BREACH +45 min" in text and "B-0001/DJAI/11/2026" in text
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is missing: run scripts/system-deps.sh")
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True, timeout=60)
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    dark = image.point(lambda value: 255 if value < 128 else 0).histogram()[255]
    assert image.width > image.height and dark > 500  # landscape, with text drawn on it


def test_bad_arguments_are_clear(store_url, monkeypatch, tmp_path):
    monkeypatch.setenv("TANGGAP_DATABASE_URL", store_url)
    bad_month = CliRunner().invoke(app, ["report", "compliance", "--authority", "X", "--month", "11-2026",
                                         "--out", str(tmp_path)])
    assert bad_month.exit_code == 1 and "YYYY-MM" in bad_month.output
    unknown = CliRunner().invoke(app, ["report", "compliance", "--authority", "Nobody", "--month", "2026-11",
                                       "--out", str(tmp_path)])
    assert unknown.exit_code == 1 and "Nobody" in unknown.output


def test_an_authority_sees_only_its_own_report(store, month, client, ministry_key_for, senior_login):
    own = client.get("/api/v1/compliance", params={"month": "2026-11"}, headers=bearer(ministry_key_for("Kemkomdigi")))
    assert own.status_code == 200 and own.json()["summary"]["breaches"] == 2
    other = client.get("/api/v1/compliance", params={"month": "2026-11", "authority": "Garda Siochana"},
                       headers=bearer(ministry_key_for("Kemkomdigi")))
    assert other.status_code == 403
    staff = client.get("/api/v1/compliance", params={"month": "2026-11", "authority": "Garda Siochana"},
                       headers=bearer(senior_login.api_key))
    assert staff.status_code == 200 and staff.json()["summary"]["actioned"] == 1
    assert client.get("/api/v1/compliance", params={"month": "2026-11"}).status_code == 401


def test_the_tco_report_counts_eu_orders_and_own_measures(store, month, activity):
    found = activity.proactive("2026-11-05T09:00+07:00", "@found_by_scan")
    activity.decide("2026-11-05T10:00+07:00", found, legal_basis=None)
    activity.reverse("2026-11-06T10:00+07:00", "@found_by_scan")
    report = tco_report(store.uow(), 2026)
    assert report.removed_on_orders == 1 and report.removed_on_orders_late == 0
    assert report.removed_by_own_measures == 1
    assert report.complaints == {"reversed": 1} and report.restored_after_complaint == 1


def test_report_tco_writes_a_csv_and_a_pdf(store, month, store_url, tmp_path, monkeypatch):
    monkeypatch.setenv("TANGGAP_DATABASE_URL", store_url)
    result = CliRunner().invoke(app, ["report", "tco", "--year", "2026", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((tmp_path / "tco-report-2026.csv").open()))
    figures = {row["item"]: int(row["figure"]) for row in rows}
    assert figures["terrorist content removed or disabled following removal orders"] == 1
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "tco-report-2026.pdf").pages)
    assert "Article 7" in text and "removal orders" in text
