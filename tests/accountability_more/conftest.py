import pytest

from tests.accountability.world import Activity


@pytest.fixture
def activity(store, clock, sla, moderator, senior):
    return Activity(store, clock, sla, moderator, senior)
