"""The demo platform adapter fulfils the platform contract, over real HTTP."""

import pytest

from tests.platforms.contract import CONTRACT


@pytest.mark.parametrize("check", CONTRACT, ids=lambda check: check.__name__.removeprefix("check_"))
def test_demo_platform_fulfils_the_contract(check, demo_platform, demo_world):
    check(demo_platform, demo_world)
