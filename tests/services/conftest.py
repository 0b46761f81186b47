import pytest

from tanggap.domain.access import SYSTEM
from tanggap.domain.model import OrderDraft
from tanggap.domain.sla import SlaPolicy
from tanggap.services.accounts import add_authority, add_user, principal_for_key
from tanggap.services.orders import parse_targets


@pytest.fixture
def sla():
    return SlaPolicy()


@pytest.fixture
def ministry(store):
    issued = add_authority(store.uow(), "Kemkomdigi", "ID", ["komdigi.go.id"], SYSTEM)
    return principal_for_key(store.uow(), issued.api_key)


@pytest.fixture
def eu_authority(store):
    issued = add_authority(store.uow(), "Garda Siochana", "EU", ["garda.ie"], SYSTEM)
    return principal_for_key(store.uow(), issued.api_key)


@pytest.fixture
def moderator(store):
    issued = add_user(store.uow(), "sari", "moderator", ["id", "en"], SYSTEM)
    return principal_for_key(store.uow(), issued.api_key)


def order_for(authority, *spellings, reference="B-0634/DJWD/PW.02.01/03/2025",
              category="terrorism", jurisdiction=None):
    targets, kept, rejected = parse_targets(list(spellings))
    return OrderDraft(authority.id, reference, category, jurisdiction or authority.jurisdiction,
                      tuple(targets), "UU 5/2018", spellings=tuple(kept), rejected=tuple(rejected))
