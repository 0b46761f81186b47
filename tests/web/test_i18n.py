"""The console speaks the reader's language: Accept-Language picks the catalogue and <html lang>."""

from tanggap.web.i18n import negotiate


def test_negotiation_prefers_the_users_choice_then_the_browser():
    assert negotiate("id-ID,id;q=0.9,en;q=0.8") == "id"
    assert negotiate("en-US,en;q=0.9,id;q=0.8") == "en"
    assert negotiate("fr-FR, de;q=0.5") == "en"
    assert negotiate("en;q=0.2, id;q=0.7") == "id"
    assert negotiate("garbage;;q=x, ,") == "en"
    assert negotiate("id", preferred="en") == "en"


def test_login_page_in_indonesian_for_an_indonesian_browser(client, moderator_login):
    page = client.get("/login", headers={"Accept-Language": "id-ID,id;q=0.9"})
    assert '<html lang="id">' in page.text
    english = client.get("/login", headers={"Accept-Language": "en-GB"})
    assert '<html lang="en">' in english.text
