"""Triage in a real browser: the clock on each message, and its three ways out."""

from playwright.sync_api import expect
from sqlalchemy import select

from tanggap.intake.authentication import SenderTrust
from tanggap.services.intake import process_inbound, receive_raw
from tanggap.store.tables import inbound_messages
from tests.browser.conftest import SCREENSHOTS, log_in
from tests.intake_auth.corpus import NOMOR, OUR_MX, dmarc_pass, letter

TRUST = SenderTrust.from_setting(OUR_MX, dns=None)


def into_triage(world, sla, subject: str, body: str, number: int) -> str:
    raw = letter(body, subject=subject, headers=[dmarc_pass()], message_id=f"<triage-{number}@komdigi.go.id>")
    outcome = process_inbound(world.store, sla, receive_raw(world.store.uow(), raw, "smtp").inbound_id,
                              trust=TRUST)
    assert outcome.state == "triage", outcome.reason
    return outcome.inbound_id


def states(world) -> dict:
    with world.store.uow(read_only=True) as uow:
        return {row.id: row for row in uow.session.execute(select(inbound_messages)).all()}


def test_a_moderator_settles_three_triaged_mails_three_ways(new_page, world, sla):
    earlier = world.order(NOMOR, "terrorism", "@kanal_lama_satu")
    told = into_triage(world, sla, "Kanal dari telepon", "Untuk diketahui: https://t.me/kanal_dari_telepon "
                       "dan https://t.me/kanal_salah_ketik\n", 1)
    reminder = into_triage(world, sla, "Surat kami kemarin", f"Terlampir ringkasan surat {NOMOR}.\n", 2)
    invitation = into_triage(world, sla, "Undangan rapat koordinasi", "Kami mengundang rapat hari Kamis.\n", 3)

    page = new_page()
    log_in(page, world, "sari")
    page.click("nav >> text=Triage")
    rows = page.locator("#triage tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first.locator(".sla")).to_have_text("4h 00m")  # the authority's shortest deadline
    page.screenshot(path=str(SCREENSHOTS / "triage.png"))

    # 1. Into an order: keep one target, drop the misspelt one, write the corrected one.
    page.click("text=Kanal dari telepon")
    expect(page.locator("#message-text")).to_contain_text("kanal_dari_telepon")
    expect(page.locator("#clock")).to_have_text("4h 00m")
    page.uncheck("input[value='https://t.me/kanal_salah_ketik']")
    page.fill("#to-order textarea[name=extra_targets]", "t.me/kanal_benar_ketik")
    page.fill("#to-order input[name=reference]", "B-1300/DJWD/PW.02.01/11/2026")
    page.click("#to-order button")
    expect(page.locator("p.notice")).to_contain_text("turned into an order")
    expect(rows).to_have_count(2)

    # 2. Attach the covering note to the order it is about.
    page.click("text=Surat kami kemarin")
    page.select_option("#to-attach select[name=order_id]", earlier["order_id"])
    page.click("#to-attach button")
    expect(page.locator("p.notice")).to_contain_text(f"attached to order {NOMOR}")

    # 3. Dismiss: the browser will not send it without a reason; with one, it goes.
    page.click("text=Undangan rapat koordinasi")
    page.click("#to-dismiss button")
    expect(page).to_have_url(f"{world.url}/console/triage/{invitation}")
    page.fill("#to-dismiss textarea[name=reason]", "Undangan rapat, bukan permintaan penurunan.")
    page.click("#to-dismiss button")
    expect(page.locator("#triage tbody tr")).to_have_text("Nothing waits for triage.")

    settled = states(world)
    assert settled[told].state == "released" and settled[told].reviewed_by.startswith("user:")
    with world.store.uow(read_only=True) as uow:
        order = uow.orders.get(settled[told].order_id)
        assert sorted(t.target.canonical for t in order.targets) == [
            "https://t.me/kanal_benar_ketik", "https://t.me/kanal_dari_telepon"]
    assert (settled[reminder].state, settled[reminder].order_id) == ("attached", earlier["order_id"])
    assert settled[invitation].state == "dismissed"
    assert settled[invitation].resolution == "Undangan rapat, bukan permintaan penurunan."
