"""The public page, CSV, JSON and Atom: no login, both languages, the same figures everywhere."""

import csv
import io
from xml.etree import ElementTree

import pytest




@pytest.fixture
def month_of_blocks(activity, ministry, clock):
    cases = activity.order("2026-11-10T09:00+07:00", ministry, "@kabar_a", "@kabar_b", "@kabar_c",
                           "@judi_x1", reference="B-1/2026")
    for case_id in cases[:3]:
        activity.decide("2026-11-10T10:00+07:00", case_id)
    activity.decide("2026-11-10T10:00+07:00", cases[3], reason_code="illegal_gambling", reason="judi online")
    activity.reverse("2026-11-12T10:00+07:00", "@kabar_b")

    return cases


def test_the_page_is_public_and_in_both_languages(client, month_of_blocks):
    english = client.get("/transparency", params={"month": "2026-11"}, headers={"Accept-Language": "en"})
    assert english.status_code == 200 and '<html lang="en">' in english.text
    assert "2 terrorist channels banned on November 12" not in english.text  # the sentence is of the last day
    assert "<svg" in english.text and 'id="total-net">3<' in english.text
    assert 'id="total-reversed">1<' in english.text
    indonesian = client.get("/transparency", params={"month": "2026-11", "lang": "id"})
    assert '<html lang="id">' in indonesian.text and "Transparansi" in indonesian.text
    assert "default-src 'self'" in english.headers["content-security-policy"]


def test_small_categories_are_folded_and_the_formats_agree(client, month_of_blocks, settings):
    body = client.get("/transparency.json", params={"month": "2026-11"}).json()
    assert body["totals"]["net"] == 3 and body["totals"]["reversed"] == 1
    # terrorism (2 net) and gambling (1) are both under the default minimum of 5: folded
    assert body["totals"]["by_category"] == {"other": 3}
    tenth = next(d for d in body["days"] if d["date"] == "2026-11-10")
    assert (tenth["blocked"], tenth["reversed"], tenth["net"], tenth["terrorism"]) == (4, 1, 3, 2)
    rows = list(csv.DictReader(io.StringIO(client.get("/transparency.csv", params={"month": "2026-11"}).text)))
    csv_tenth = next(r for r in rows if r["date"] == "2026-11-10")
    assert (csv_tenth["net"], csv_tenth["reversed"], csv_tenth["category:other"]) == ("3", "1", "3")
    assert authority_row(body)["actioned"] == 4


def authority_row(body):
    return next(a for a in body["authorities"] if a["authority"] == "Kemkomdigi")


def test_with_a_minimum_of_one_every_category_is_shown(make_client, settings, month_of_blocks):
    settings.transparency_min_count = 1
    body = make_client().get("/transparency.json", params={"month": "2026-11"}).json()
    assert body["totals"]["by_category"] == {"terrorism": 2, "gambling": 1}


def test_the_atom_feed_has_one_entry_per_day_with_the_sentence(client, month_of_blocks):
    feed = ElementTree.fromstring(client.get("/transparency.atom", params={"lang": "en"}).content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [entry.find("a:title", ns).text for entry in feed.findall("a:entry", ns)]
    assert "2 terrorist channels banned on November 10. Total this month: 2" in titles
    assert len(titles) == 31


@pytest.mark.parametrize("month", ["2026-13", "november", "1999-01", "2026-1"])
def test_a_bad_month_is_a_clear_error(client, month):
    answer = client.get("/transparency.json", params={"month": month})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "month"


def test_the_daily_api_needs_no_date_and_is_net(client, month_of_blocks):
    body = client.get("/api/v1/transparency/daily", params={"date": "2026-11-10"}).json()
    assert (body["total"], body["reversed"], body["terrorism_today"]) == (3, 1, 2)
    assert client.get("/api/v1/transparency/daily").status_code == 200
