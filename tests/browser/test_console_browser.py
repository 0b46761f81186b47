"""The review console in a real browser: login, claim, decide with the keyboard, four-eyes,
appeal and reversal, the audit log, and a channel title that tries to run a script."""

from datetime import timedelta

import httpx
from playwright.sync_api import expect

from tanggap.domain.model import CaseState
from tanggap.platforms.seed import HOSTILE_TITLE
from tanggap.services.decisions import DecisionRequest, decide
from tanggap.services.enforcement import carry_out
from tests.browser.conftest import SCREENSHOTS, csrf_of, log_in

PROPAGANDA = "barisan_sabilillah_official"  # posts with media, 408 subscribers
BIG_CHANNEL = "kuliner_semarang17"  # 157,634 subscribers: a global block needs a senior
GAMBLING = "parlay_hoki_media"


def test_login_refuses_a_wrong_password_and_the_queue_needs_a_session(new_page, world):
    page = new_page()
    page.goto("/console/queue")
    expect(page).to_have_url(f"{world.url}/login")
    page.fill("input[name=name]", "sari")
    page.fill("input[name=password]", "not-her-password")
    page.click("form.login button")
    expect(page.locator("p.error")).to_have_text("Wrong name or password")
    log_in(page, world, "sari")
    expect(page.locator("header .who")).to_contain_text("sari · moderator")


def test_claim_then_block_with_the_keyboard(new_page, world, clock):
    world.order("TCO-2026-0042", "terrorism", f"@{PROPAGANDA}", "@seruan_daulah",
                key=world.eu_key)  # EU removal order: 1 hour
    clock.advance(timedelta(minutes=10))
    world.order("TCO-2026-0043", "terrorism", "@awas_pribumi", key=world.eu_key)
    world.order("B-1234/DJAI/AI.03.01/03/2026", "terorisme", "@bela_negeri", "@benteng_akidah_channel")
    world.order("B-1301/DJAI/AI.03.01/03/2026", "judi_online", f"@{GAMBLING}", "@togel_gacor_media")
    world.profile()
    clock.advance(timedelta(minutes=25))  # the first EU order has 25 min left, the second 45 min

    page = new_page()
    log_in(page, world, "sari")
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(7)
    expect(rows.first.locator("a.target")).to_have_text(f"https://t.me/{PROPAGANDA}")  # soonest deadline first
    expect(rows.first.locator(".sla")).to_have_class("sla red")
    expect(page.locator("tr:has-text('awas_pribumi') .sla")).to_have_class("sla amber")
    expect(page.locator("tr:has-text('parlay_hoki_media') .sla")).to_have_class("sla green")
    page.screenshot(path=SCREENSHOTS / "queue.png", full_page=True)

    page.select_option("select[name=category]", "gambling")
    page.click("form.filters button")
    expect(rows).to_have_count(2)
    page.goto("/console/queue")

    rows.first.locator("button.claim").click()
    expect(page.locator("p.notice")).to_contain_text("Claimed until")
    expect(page.locator(".claim-line")).to_contain_text("Claimed by you")

    media = page.locator("button.media").first  # blurred until clicked
    assert "blur" in media.locator(".media-content").evaluate("e => getComputedStyle(e).filter")
    media.click()
    expect(media).to_have_attribute("aria-pressed", "true")
    assert media.locator(".media-content").evaluate("e => getComputedStyle(e).filter") == "none"
    media.click()
    page.locator("h1").click()  # focus away from the media button, as a reader would
    page.screenshot(path=SCREENSHOTS / "case.png", full_page=True)

    page.keyboard.press("b")
    submit = page.locator("#decide-button")
    expect(submit).to_be_focused()
    expect(submit).to_have_text("Decide: Block globally")
    expect(page.locator("select[name=reason_code]")).to_have_value("terrorist_content")
    decided_url = page.url
    page.keyboard.press("Enter")
    expect(page.locator("p.notice")).to_have_text("Decided: block. Platform enforcement confirmed.")
    expect(page).not_to_have_url(decided_url)  # decide and next: the next case of the queue is open
    page.goto(decided_url)
    expect(page.locator(".case-head")).to_contain_text("State actioned")
    assert not world.visible(PROPAGANDA, "ID") and not world.visible(PROPAGANDA, "NL")


def test_four_eyes_a_senior_approves_what_a_moderator_proposed(new_page, world):
    order = world.order("B-1400/DJAI/AI.03.01/03/2026", "terorisme", f"@{BIG_CHANNEL}")
    case_id = order["targets"][0]["case_id"]
    world.profile()

    moderator = new_page()
    log_in(moderator, world, "sari")
    moderator.goto(f"/console/cases/{case_id}")
    moderator.keyboard.press("b")
    moderator.keyboard.press("Enter")
    expect(moderator.locator("p.notice")).to_contain_text("waits for a senior's approval")
    moderator.goto(f"/console/cases/{case_id}")
    expect(moderator.locator("section.proposal")).to_contain_text("global block of a channel over 100,000 subscribers")
    expect(moderator.locator("button.approve")).to_have_count(0)
    refused = moderator.request.post(f"/console/cases/{case_id}/approve", form={"csrf_token": csrf_of(moderator)},
                                     max_redirects=0)
    assert refused.status == 403
    assert world.visible(BIG_CHANNEL)  # nothing enforced before the second pair of eyes

    senior = new_page()
    log_in(senior, world, "budi")
    senior.click("header a[href='/console/approvals']")
    row = senior.locator(f"table.approvals tr[data-case='{case_id}']")
    expect(row).to_contain_text("sari")
    row.locator("button.approve").click()
    expect(senior.locator("p.notice")).to_have_text("Approved. Platform enforcement confirmed.")
    expect(senior.locator(".case-head")).to_contain_text("State actioned")
    assert not world.visible(BIG_CHANNEL)


def test_appeal_through_the_public_form_reversal_by_another_moderator_approved_by_a_senior(new_page, world):
    order = world.order("B-1500/DJAI/AI.03.01/03/2026", "judi_online", f"@{GAMBLING}")
    case_id = order["targets"][0]["case_id"]
    sari = world.principal("sari")
    outcome = decide(world.store.uow(), case_id, DecisionRequest("block", "illegal gambling", "global",
                                                                 reason_code="illegal_gambling"), sari)
    carry_out(world.store, world.platform, outcome.enforcement_id)
    assert not world.visible(GAMBLING)

    owner = new_page()  # no login: the public form
    owner.goto("/appeal")
    owner.fill("input[name=channel]", f"https://t.me/{GAMBLING.upper()}")
    owner.fill("input[name=name]", "Pemilik Kanal")
    owner.fill("input[name=contact]", "owner@example.org")
    owner.fill("textarea[name=grounds]", "Kanal ini hanya prediksi sepak bola, bukan judi.")
    owner.click("form.appeal button")
    expect(owner.locator("h1")).to_have_text("Appeal received")
    appeal_id = owner.locator(".appeal-ref").inner_text()

    decider = new_page()
    log_in(decider, world, "sari")
    decider.goto(f"/console/appeals/{appeal_id}")
    expect(decider.locator("main")).to_contain_text("someone else reviews the appeal")
    expect(decider.locator("form.resolution")).to_have_count(0)
    refused = decider.request.post(f"/console/appeals/{appeal_id}/resolution", max_redirects=0, form={
        "csrf_token": csrf_of(decider), "outcome": "reverse", "reason": "my own call"})
    assert refused.status == 403

    reviewer = new_page()
    log_in(reviewer, world, "dewi")
    reviewer.click("header a[href='/console/appeals']")
    reviewer.locator(f"tr[data-appeal='{appeal_id}'] a.button").click()
    reviewer.check("input[name=outcome][value=reverse]")
    reviewer.fill("textarea[name=reason]", "Predictions only; no betting links in the posts.")
    reviewer.click("#resolve-button")
    expect(reviewer.locator("p.notice")).to_contain_text("Reversal proposed")
    expect(reviewer.locator(".case-head")).to_contain_text("State pending_approval")
    assert not world.visible(GAMBLING)  # one person's reversal unblocks nothing

    senior = new_page()
    log_in(senior, world, "budi")
    senior.goto("/console/approvals")
    senior.click("a[href='/console/reversals']")
    senior.click(f"tr[data-case='{case_id}'] a")
    expect(senior.locator("main")).to_contain_text("B-1500/DJAI/AI.03.01/03/2026")  # the order, on the page
    senior.click("button[name=verdict][value=approve]")
    expect(senior.locator("p.notice")).to_have_text("Reversal approved. Unblock on the platform: confirmed.")
    expect(senior.locator(".case-head")).to_contain_text("State reversed")
    assert world.visible(GAMBLING)
    status = httpx.get(f"{world.url}/api/v1/orders/{order['order_id']}",
                       headers={"Authorization": f"Bearer {world.ministry_key}"}).json()
    assert status["targets"][0]["status"] == "reversed"  # what the authority sees


def test_a_hostile_channel_title_renders_as_text_and_runs_nothing(new_page, world):
    hostile = next(c for c in world.channels if c.title == HOSTILE_TITLE)
    order = world.order("B-1600/DJAI/AI.03.01/03/2026", "judi_online", f"@{hostile.username}")
    page = new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, world, "sari")
    page.goto(f"/console/cases/{order['targets'][0]['case_id']}")
    title = page.locator("dd.title")
    expect(title).to_have_text(HOSTILE_TITLE)  # the literal <script>…</script> is visible text
    expect(title.locator("b, script")).to_have_count(0)
    assert dialogs == []

    page.keyboard.press("i")  # block in Indonesia only: filled in, not sent until Enter
    expect(page.locator("input[name=countries]")).to_have_value("ID")
    expect(page.locator("input[name=scope_kind][value=countries]")).to_be_checked()
    expect(page.locator("select[name=reason_code]")).to_have_value("illegal_gambling")
    page.keyboard.press("Escape")
    expect(page.locator("#shortcut-hint")).to_have_text("")
    expect(page.locator(".case-head")).to_contain_text("State queued")


def test_an_auditor_browses_and_exports_the_audit_log(new_page, world):
    order = world.order("B-1700/DJAI/AI.03.01/03/2026", "terorisme", "@seruan_daulah")
    case_id = order["targets"][0]["case_id"]
    moderator = new_page()
    log_in(moderator, world, "sari")
    moderator.goto(f"/console/cases/{case_id}")
    moderator.keyboard.press("e")
    expect(moderator.locator("#decide-button")).to_have_text("Decide: Need more information (escalate)")
    expect(moderator.locator("textarea[name=note]")).to_be_focused()  # an escalation is a question
    moderator.keyboard.press("Enter")  # with no question, nothing is sent
    expect(moderator).to_have_url(f"{world.url}/console/cases/{case_id}")
    moderator.keyboard.type("Is this the admin of the channel blocked last week?")
    moderator.keyboard.press("Enter")
    expect(moderator.locator("p.notice")).to_contain_text("Escalated")
    with world.store.uow(read_only=True) as uow:
        assert uow.cases.get(case_id).state == CaseState.ESCALATED
    assert moderator.goto("/console/audit").status == 403

    auditor = new_page()
    log_in(auditor, world, "audrey")
    auditor.click("header a[href='/console/audit']")
    auditor.fill("input[name=subject_id]", case_id)
    auditor.click("form.filters button")
    kinds = auditor.locator("table.audit tbody tr td:nth-child(4)")
    expect(kinds.first).to_have_text("case_escalate")
    expect(auditor.locator("table.audit")).to_contain_text("case_viewed")
    with auditor.expect_download() as download:
        auditor.click("a.export")
    exported = download.value.path().read_text()
    assert exported.startswith("seq,at,actor,kind,subject_type,subject_id,payload,prev_hash,hash")
    assert "case_escalate" in exported and case_id in exported

