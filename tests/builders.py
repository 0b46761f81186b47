"""Builders for real domain objects used across tests."""

from tanggap.domain.model import OrderDraft
from tanggap.services.orders import parse_targets


def order_for(authority, *spellings, reference="B-0634/DJWD/PW.02.01/03/2025",
              category="terrorism", jurisdiction=None):
    targets, kept, rejected = parse_targets(list(spellings))
    return OrderDraft(authority.id, reference, category, jurisdiction or authority.jurisdiction,
                      tuple(targets), "UU 5/2018", spellings=tuple(kept), rejected=tuple(rejected))
