import pytest

from tests.accountability.world import Activity


@pytest.fixture
def activity(store, clock, sla, moderator, senior):
    return Activity(store, clock, sla, moderator, senior)


@pytest.fixture
def ministry_key_for(store):
    """A fresh API key for an authority already added (by name)."""
    from tanggap.services.accounts import _issue_key

    def issue(name):
        with store.uow() as uow:
            key = _issue_key(uow, "authority", uow.authorities.by_name(name).id)
            uow.commit()
        return key
    return issue
