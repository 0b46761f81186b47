"""The public transparency page in Chromium, in Bahasa Indonesia and English, with JavaScript off:
the charts are server-rendered SVG, readable without a script. Writes the README screenshot."""

from __future__ import annotations

from datetime import datetime

import pytest

from tanggap.domain.sla import SlaPolicy
from tanggap.services.accounts import principal_for_key
from tests.accountability.world import Activity
from tests.browser.conftest import SCREENSHOTS, TIMEOUT_MS, VIEWPORT

# (day of November, channels blocked that day): a month with a shape a chart can show.
BLOCKS_PER_DAY = {1: 3, 2: 5, 3: 2, 5: 7, 6: 4, 8: 6, 9: 3, 10: 8, 12: 5, 13: 2, 15: 6, 16: 4, 18: 9, 19: 3,
                  20: 5, 22: 4, 23: 6, 25: 7, 26: 3, 27: 5}


@pytest.fixture
def month_of_blocks(world, clock):
    activity = Activity(world.store, clock, SlaPolicy(), world.principal("sari"), world.principal("budi"))
    ministry = principal_for_key(world.store.uow(), world.ministry_key)
    for day, count in BLOCKS_PER_DAY.items():
        when = f"2026-11-{day:02d}T08:00+07:00"
        cases = activity.order(when, ministry, *[f"@kanal_{day:02d}_{n}" for n in range(count)],
                               reference=f"B-{day}/DJAI/11/2026")
        for n, case_id in enumerate(cases):
            scope = ["ID"] if n % 3 == 0 else "global"
            activity.decide(f"2026-11-{day:02d}T{9 + n % 3:02d}:00+07:00", case_id, scope=scope)
    for n in range(6):  # proactive detection finds some on its own
        found = activity.proactive(f"2026-11-{4 + 4 * n:02d}T10:00+07:00", f"@temuan_scan{n}")
        activity.decide(f"2026-11-{4 + 4 * n:02d}T11:00+07:00", found, legal_basis=None)
    activity.reverse("2026-11-20T10:00+07:00", "@kanal_10_1")
    activity.reverse("2026-11-21T10:00+07:00", "@kanal_18_2")
    clock.at = datetime.fromisoformat("2026-11-28T09:00+07:00")


@pytest.mark.parametrize("locale, heading, sentence", [
    ("en-GB", "Transparency", "terrorist channels banned on November 28"),
    ("id-ID", "Transparansi", "kanal dan bot teroris diblokir pada 28 November"),
])
def test_the_public_page_reads_in_both_languages_without_javascript(browser, world, month_of_blocks,
                                                                    locale, heading, sentence):
    context = browser.new_context(viewport=VIEWPORT, base_url=world.url, locale=locale, java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto("/transparency")  # no login
        assert page.locator("html").get_attribute("lang") == locale[:2]
        assert page.locator("h1").inner_text().startswith(heading)
        assert sentence in page.locator("#daily-sentence").inner_text()
        charts = page.locator("figure.chart svg")
        assert charts.count() == 3
        for index in range(3):
            box = charts.nth(index).bounding_box()
            assert box and box["width"] > 100 and box["height"] > 20
        bars = page.locator("figure.chart svg rect.bar")
        assert bars.count() >= len(BLOCKS_PER_DAY)
        reversed_bars = page.locator("figure.chart svg rect.bar.reversed")
        assert reversed_bars.count() == 2  # the 10th and the 18th each lost one to an appeal
        assert page.locator("#total-reversed").inner_text() == "2"
        page.screenshot(path=SCREENSHOTS / f"transparency-{locale[:2]}.png", full_page=True)
    finally:
        context.close()
