"""The Matrix adapter fulfils the same platform contract as the demo platform, on a real Synapse."""

import pytest

from tests.platforms.contract import CONTRACT


@pytest.mark.parametrize("check", CONTRACT, ids=lambda check: check.__name__.removeprefix("check_"))
def test_matrix_platform_fulfils_the_contract(check, matrix_platform, matrix_world):
    check(matrix_platform, matrix_world)
