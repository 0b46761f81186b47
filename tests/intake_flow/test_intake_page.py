from tanggap.domain.access import SYSTEM
from tanggap.services.accounts import add_user
from tanggap.services.intake import process_pending, receive_raw
from tests.intake_flow.conftest import TRUST, sample
from tests.web.test_console import csrf_of, log_in


def test_quarantined_mail_is_listed_escaped_and_an_admin_releases_it(make_client, store, sla, authorities):
    spoofed = (sample("01_plain_text_list.eml").replace(b"dmarc=pass", b"dmarc=fail")
               .replace(b"Subject: Permintaan", b"Subject: <img src=x onerror=alert(1)> Permintaan"))
    receive_raw(store.uow(), spoofed, "smtp")
    process_pending(store, sla, trust=TRUST)
    admin = add_user(store.uow(), "ayu", "admin", ["id"], SYSTEM)
    client = make_client()
    log_in(client, "ayu", admin.password)
    page = client.get("/console/intake?state=quarantined").text
    assert "DMARC failed" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    inbound_id = page.split('action="/console/intake/')[1].split("/release")[0]
    forged = client.post(f"/console/intake/{inbound_id}/release", data={"authority": "Komdigi", "csrf_token": "x"})
    assert forged.status_code == 403
    done = client.post(f"/console/intake/{inbound_id}/release",
                       data={"authority": "Komdigi", "csrf_token": csrf_of(page)}, follow_redirects=False)
    assert done.status_code == 303
    assert "released" in client.get("/console/intake?state=released").text


def test_a_moderator_sees_the_mailbox_but_cannot_release(make_client, store, sla, authorities, moderator_login):
    receive_raw(store.uow(), sample("01_plain_text_list.eml").replace(b"dmarc=pass", b"dmarc=fail"), "smtp")
    process_pending(store, sla, trust=TRUST)
    client = make_client()
    log_in(client, "sari", moderator_login.password)
    page = client.get("/console/intake").text
    assert "quarantined" in page and "Release as order" not in page
