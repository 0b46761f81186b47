"""One truth: a month of activity, and the public page, its CSV, JSON and Atom feed, the daily
API, the statements of reasons and the compliance reports agree figure by figure."""

import csv
import io
import re
from collections import Counter
from xml.etree import ElementTree

import pytest

from tanggap.services.compliance import compliance_report
from tanggap.services.statements import statements_since
from tests.accountability.world import at

MONTH = "2026-11"


@pytest.fixture
def month(activity, ministry, eu_authority, clock):
    """Orders (ID 4 h, EU 1 h), proactive blocks, country-scoped blocks, two reversals, a breach."""
    a = activity.order("2026-11-02T08:00+07:00", ministry, "@ord_a1", "@ord_a2", "@ord_a3", reference="B-1/2026")
    activity.decide("2026-11-02T09:00+07:00", a[0])
    activity.decide("2026-11-02T09:30+07:00", a[1], scope=["ID"])
    activity.decide("2026-11-02T13:00+07:00", a[2])  # one hour past the 4 h deadline: the breach
    b = activity.order("2026-11-09T23:30+07:00", ministry, "@ord_b1", "@ord_b2", reference="B-2/2026")
    activity.decide("2026-11-10T00:10+07:00", b[0], scope=["ID", "MY"])  # the 10th in WIB, the 9th in UTC
    activity.decide("2026-11-10T00:20+07:00", b[1], reason_code="illegal_gambling", reason="judi online")
    (eu,) = activity.order("2026-11-05T10:00+01:00", eu_authority, "@tco_one", reference="TCO-7")
    activity.decide("2026-11-05T10:20+01:00", eu, scope=["DE", "FR"])
    for n, when in enumerate(["2026-11-02T15:00+07:00", "2026-11-05T15:00+07:00", "2026-11-10T15:00+07:00"]):
        found = activity.proactive(when, f"@scan_found{n}")
        activity.decide(when.replace("15:00", "16:00"), found, legal_basis=None)
    activity.reverse("2026-11-12T10:00+07:00", "@ord_a1")  # lowers the 2nd
    activity.reverse("2026-11-13T10:00+07:00", "@scan_found2")  # lowers the 10th
    clock.at = at("2026-11-30T12:00+07:00")


@pytest.fixture
def public(make_client, settings):
    settings.transparency_min_count = 1  # every group shown, so every figure can be compared
    return make_client()


def test_every_output_tells_the_same_month(public, store, month):
    body = public.get("/transparency.json", params={"month": MONTH}).json()
    totals = body["totals"]
    assert (totals["blocked"], totals["reversed"], totals["net"], totals["terrorism"]) == (9, 2, 7, 6)

    # the page shows the same totals
    page = public.get("/transparency", params={"month": MONTH, "lang": "en"}).text
    for name in ("net", "reversed", "terrorism"):
        assert re.search(rf'id="total-{name}">{totals[name]}<', page)

    # the CSV adds up to the same totals, day by day as the JSON
    rows = list(csv.DictReader(io.StringIO(public.get("/transparency.csv", params={"month": MONTH}).text)))
    assert [(r["date"], int(r["net"]), int(r["reversed"])) for r in rows] == \
        [(d["date"], d["net"], d["reversed"]) for d in body["days"]]
    for name, figure in totals["by_category"].items():
        assert sum(int(r[f"category:{name}"]) for r in rows) == figure
    for name, figure in totals["by_scope"].items():
        assert sum(int(r[f"scope:{name}"]) for r in rows) == figure

    # the daily API agrees with every day of the JSON
    for day in body["days"]:
        daily = public.get("/api/v1/transparency/daily", params={"date": day["date"]}).json()
        assert (daily["total"], daily["reversed"], daily["terrorism_today"]) == \
            (day["net"], day["reversed"], day["terrorism"])

    # the Atom feed's sentences carry the same daily and running figures
    feed = ElementTree.fromstring(public.get("/transparency.atom", params={"lang": "en"}).content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = {entry.find("a:id", ns).text.rsplit("#", 1)[1]: entry.find("a:title", ns).text
              for entry in feed.findall("a:entry", ns)}
    running = 0
    for day in body["days"]:
        running += day["terrorism"]
        if day["date"] in titles:
            assert titles[day["date"]].startswith(f"{day['terrorism']} terrorist channel")
            assert titles[day["date"]].endswith(f"Total this month: {running}")

    # the statements of reasons: one per block, one per reversal, the same scopes and sources
    statements = statements_since(store.uow(), at("2026-11-01T00:00+07:00"), "https://x/appeal")
    blocks = [s for s in statements if s.kind == "decision" and s.own["action"] == "block"]
    reversals = [s for s in statements if s.kind == "reversal"]
    assert len(blocks) == totals["blocked"] and len(reversals) == totals["reversed"]
    standing = [s for s in blocks if s.decision_id not in {r.decision_id for r in reversals}]
    scopes = Counter(c for s in standing for c in (s.own["territorial_scope_all"]
                                                     if s.own["scope"] != "global" else ["global"]))
    assert dict(scopes) == totals["by_scope"]
    sources = Counter("order" if s.own["orders"] else "proactive" for s in standing)
    assert {k: v for k, v in totals["by_source"].items() if v} == dict(sources)
    assert all(not s.dsa_problems for s in statements)

    # the compliance reports: the same actions, the breach exactly where it was made
    for figures in body["authorities"]:
        report = compliance_report(store.uow(), figures["authority"], 2026, 11)
        assert report.summary.actioned == figures["actioned"]
        assert report.summary.breaches == figures["breaches"]
    ministry = compliance_report(store.uow(), "Kemkomdigi", 2026, 11)
    assert [line.row.target for line in ministry.breaches] == ["https://t.me/ord_a3"]
    assert ministry.breaches[0].late_by.total_seconds() == 3600
    assert compliance_report(store.uow(), "Garda Siochana", 2026, 11).breaches == []
    ordered_blocks = [s for s in blocks if s.own["orders"]]
    assert len(ordered_blocks) == sum(f["actioned"] for f in body["authorities"])
