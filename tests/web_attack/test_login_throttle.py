"""Login throttling as an attacker tries to get round it: a forged X-Forwarded-For (or
X-Real-IP) on each guess must not give each guess a fresh address. The app counts the address
the connection came from; a reverse proxy's forwarded address is uvicorn's business
(`FORWARDED_ALLOW_IPS`, loopback by default), not a header the app trusts. A guard for what
already holds, as the checkers' script tries it."""

from tests.web.test_console import csrf_of


def test_a_forged_forwarded_address_on_each_guess_does_not_reset_the_count(attacker_client, moderator_login):
    client = attacker_client()
    token = csrf_of(client.get("/login").text)

    def guess(name, password, number):
        spoofed = f"203.0.113.{number % 250}"
        return client.post("/login", data={"name": name, "password": password, "csrf_token": token},
                           headers={"X-Forwarded-For": spoofed, "X-Real-IP": spoofed, "Forwarded": f"for={spoofed}"},
                           follow_redirects=False)

    for number in range(20):
        assert guess(f"guess{number}", "guess", number).status_code == 200
    assert guess("sari", moderator_login.password, 99).status_code == 429
