"""Sender trust: an e-mailed order is acted on only when it provably comes from an authority.

A message that claims an authority's domain but fails authentication is quarantined for a human,
never dropped and never trusted; so is an order from a domain no authority has verified.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tanggap.domain.model import Authority


class Verdict(StrEnum):
    TRUSTED = "trusted"
    QUARANTINE = "quarantine"


@dataclass(frozen=True)
class SenderCheck:
    verdict: Verdict
    reason: str
    authority: Authority | None = None


def authority_for_domain(domain: str | None, authorities: list[Authority]) -> Authority | None:
    """The authority that verified this domain or a parent of it (mail.komdigi.go.id -> komdigi.go.id)."""
    if not domain:
        return None
    domain = domain.lower().rstrip(".")
    for authority in authorities:
        for verified in authority.email_domains:
            if domain == verified or domain.endswith("." + verified):
                return authority
    return None


def check_sender(domain: str | None, dkim: str, spf: str, dmarc: str,
                 authorities: list[Authority]) -> SenderCheck:
    authority = authority_for_domain(domain, authorities)
    if authority is None:
        return SenderCheck(Verdict.QUARANTINE, f"order from {domain or 'an unknown sender'}, "
                           "a domain no authority has verified")
    failed = [name for name, result in (("dmarc", dmarc), ("dkim", dkim), ("spf", spf))
              if result in {"fail", "softfail", "permerror"}]
    if failed:
        return SenderCheck(Verdict.QUARANTINE, f"claims {authority.name} but {', '.join(failed)} "
                           "failed: possible spoofing", authority)
    # DMARC pass proves the From domain; without it, an aligned DKIM pass will do.
    if dmarc != "pass" and dkim != "pass":
        return SenderCheck(Verdict.QUARANTINE, f"claims {authority.name} but carries no passing "
                           "DMARC or DKIM result", authority)
    return SenderCheck(Verdict.TRUSTED, f"authenticated sender of {authority.name}", authority)
