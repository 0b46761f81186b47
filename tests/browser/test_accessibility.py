"""WCAG 2.2 AA: axe-core (from the axe-playwright-python package, no CDN) finds no serious or
critical violation on any console page, in Indonesian and English, at 1280 px and at 390 px
(a phone, where the queue is cards and Decide is pinned at the bottom)."""

from importlib.resources import files

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, TIMEOUT_MS, log_in

AXE_JS = files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
BROWSER_LOCALE = {"id": "id-ID", "en": "en-GB"}


def serious_violations(page) -> list[str]:
    # The console's CSP allows scripts from 'self' only; the test context bypasses it to inject axe.
    page.add_script_tag(content=AXE_JS)
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    assert result["passes"], "axe-core ran no check: is the page empty?"
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def console_pages(world) -> dict[str, str]:
    order = world.order("B-0001/DJAI/AI.03.01/03/2026", "terrorism",
                        *[c.target.canonical for c in world.channels[:3]])
    world.profile()
    return {"queue": "/console/queue", "case": f"/console/cases/{order['targets'][0]['case_id']}",
            "bulk": f"/console/orders/{order['order_id']}/bulk", "order": f"/console/orders/{order['order_id']}",
            "approvals": "/console/approvals",
            "appeals": "/console/appeals", "intake": "/console/intake", "profile": "/console/profile",
            "refused": "/console/cases/no-such-case"}


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_no_serious_accessibility_violation_on_any_console_page(browser, world, language, width):
    pages = console_pages(world)
    context = browser.new_context(viewport=WIDTHS[width], base_url=world.url, locale=BROWSER_LOCALE[language],
                                  bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    found = {}
    page.goto("/login")
    found["login"] = serious_violations(page)
    page.goto("/appeal")
    found["public appeal form"] = serious_violations(page)
    log_in(page, world, "budi")  # a senior sees every console page
    for name, path in pages.items():
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        found[name] = serious_violations(page)
        if name in ("queue", "case") and language == "id":
            page.screenshot(path=SCREENSHOTS / f"{name}-{language}-{width}.png", full_page=width == "desktop")
    context.close()
    assert {name: v for name, v in found.items() if v} == {}


def test_on_a_phone_the_queue_fits_and_decide_is_pinned_in_view(browser, world):
    pages = console_pages(world)
    context = browser.new_context(viewport=WIDTHS["phone"], base_url=world.url, locale="id-ID")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    log_in(page, world, "sari")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(pages["case"])
    button = page.locator("#decide-button")
    expect(button).to_be_in_viewport()
    box = button.bounding_box()
    assert box["y"] + box["height"] <= 844 and box["y"] > 700  # at the bottom, without scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()

