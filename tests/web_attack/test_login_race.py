"""Guesses sent in parallel: each used to read the failures before any of them was written, so a
burst got far past the per-account limit. Only as many guesses as the limit are ever checked."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tanggap.services.accounts import LoginPolicy, LoginThrottled, login

GUESSES = 24


def test_a_burst_of_parallel_guesses_checks_no_more_passwords_than_the_limit(store, store_url, moderator_login):
    if not store_url.startswith("postgresql"):
        pytest.skip("SQLite runs one writer at a time: the guesses are serial there")
    policy = LoginPolicy(max_failures=5)
    barrier = threading.Barrier(GUESSES)

    def guess(number: int) -> str:
        barrier.wait()
        try:
            return "checked" if login(store.uow(), "sari", f"guess-{number}", "198.51.100.7", policy) is None \
                else "in"
        except LoginThrottled:
            return "refused"

    with ThreadPoolExecutor(GUESSES) as pool:
        answers = list(pool.map(guess, range(GUESSES)))
    assert "in" not in answers
    assert answers.count("checked") <= policy.max_failures
    with store.uow() as uow:
        assert len(uow.login_failures.recent_for_name("sari", uow.clock.now().replace(year=2000))) <= 5
    with pytest.raises(LoginThrottled):  # and once the limit is reached, the right password waits too
        for _ in range(policy.max_failures):
            login(store.uow(), "sari", "wrong", "198.51.100.7", policy)
        login(store.uow(), "sari", moderator_login.password, "198.51.100.7", policy)
