"""Moderators at full speed: 30 cases decided from the queue with the keyboard alone, in
Bahasa Indonesia and in English, each decision's reason taken from the case's own category."""

import itertools

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tanggap.store.tables import cases, decisions
from tanggap.web.console import REASON_FOR_CATEGORY
from tests.browser.conftest import TIMEOUT_MS, VIEWPORT

CATEGORIES = ("terrorism", "gambling", "hate_speech", "public_order")
BROWSER_LOCALE = {"id": "id-ID", "en": "en-GB"}
# Words of the page in each language: the keyboard legend and the page language.
QUEUE_WORD = {"id": "Antrean", "en": "Queue"}


def thirty_targets(world) -> list[str]:
    """Every seeded channel, and posts of the public ones, until there are 30."""
    channels = [c.target.canonical for c in world.channels]
    posts = [f"https://t.me/{c.username}/{c.post_ids[-1]}" for c in world.channels if c.username and c.post_ids]
    return (channels + posts)[:30]


def keyboard_login(page, world, name):
    page.goto("/login")
    # The name field takes the focus by itself (autofocus), but only once the page has run its
    # focus step: typing before that loses keys on a loaded machine, and the login then fails.
    expect(page.locator("input[name=name]")).to_be_focused()
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    page.keyboard.type(world.person(name).password)
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/queue")


@pytest.mark.parametrize("language", ["id", "en"])
def test_thirty_cases_decided_from_the_queue_with_the_keyboard_only(browser, world, language):
    targets = thirty_targets(world)
    assert len(targets) == 30
    category_of = {}
    for category, batch in itertools.groupby(sorted(enumerate(targets), key=lambda p: p[0] % 4),
                                             key=lambda p: CATEGORIES[p[0] % 4]):
        chosen = [target for _, target in batch]
        world.order(f"B-{category}/2026", category, *chosen)
        category_of.update(dict.fromkeys(chosen, category))

    context = browser.new_context(viewport=VIEWPORT, base_url=world.url, locale=BROWSER_LOCALE[language])
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    keyboard_login(page, world, "sari")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("h1")).to_contain_text(QUEUE_WORD[language])
    expect(page.locator("h1")).to_contain_text("30")  # the count tells the truth

    page.keyboard.press("?")
    expect(page.locator("#keys-help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#keys-help")).to_be_hidden()

    page.keyboard.press("j")
    page.keyboard.press("k")  # stays on the first row
    expect(page.locator("tr.queue-row.selected")).to_have_count(1)
    page.keyboard.press("Enter")
    decided = []
    for _ in range(30):
        page.wait_for_url("**/console/cases/*")
        case_id = page.url.rsplit("/", 1)[1]
        assert case_id not in decided
        form = page.locator("form.decision")
        key = "r" if form.get_attribute("data-post") == "1" else "b"
        page.keyboard.press(key)
        expect(page.locator("#decide-button")).to_be_focused()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        decided.append(case_id)
    page.wait_for_url("**/console/queue")
    expect(page.locator("table.queue tbody tr.queue-row")).to_have_count(0)
    context.close()

    with world.store.uow(read_only=True) as uow:
        recorded = uow.session.execute(
            select(cases.c.id, cases.c.target, cases.c.category, decisions.c.reason_code, decisions.c.decided_by)
            .join(decisions, decisions.c.case_id == cases.c.id)).all()
    assert sorted(row.id for row in recorded) == sorted(decided)
    for row in recorded:
        assert row.category == category_of[row.target.canonical]
        assert row.reason_code == REASON_FOR_CATEGORY[row.category], row.target.canonical
        assert row.decided_by == world.person("sari").owner_id
