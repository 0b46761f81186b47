"""Sender trust: an e-mailed order is acted on only when it provably comes from an authority.

The rules are those of a mail operator. Only verdicts our own receiving server wrote count
(the intake adapter hands us those, and notes forged ones); DMARC must pass for the very
domain in ``From``, or a DKIM signature must pass for a domain aligned with it. Alignment is
judged against the authority's verified domain, which is its organisational domain for us: a
signature by ``mail.komdigi.go.id`` vouches for ``komdigi.go.id``; one by ``go.id`` or by
``attacker.example`` vouches for nothing.

A message that claims an authority — its domain, a look-alike of it, or its name in the display
name — and is not proven is quarantined for a human with the reason in words; it is never
dropped and never trusted.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from tanggap.domain.model import Authority


class Verdict(StrEnum):
    TRUSTED = "trusted"  # proven to come from the authority
    QUARANTINE = "quarantine"  # claims an authority and is not proven: a human looks
    UNCLAIMED = "unclaimed"  # claims no authority: an ordinary member of the public


@dataclass(frozen=True)
class AuthResult:
    """One ``method=result`` of a trusted Authentication-Results header, with its properties
    (``header.d``, ``header.from``, ``smtp.mailfrom``…), names lowercased."""

    method: str
    result: str
    properties: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class SenderEvidence:
    """What the message says about its sender, as the intake adapter read it."""

    from_addresses: tuple[str, ...] = ()  # every address of every From header
    display_names: tuple[str, ...] = ()
    trusted_results: tuple[AuthResult, ...] = ()  # only from headers our own server added
    forgeries: tuple[str, ...] = ()  # e.g. our authserv-id below a foreign header
    dkim_verified: tuple[str, ...] = ()  # d= of signatures verified here (no trusted header)
    dkim_checked: bool = False  # whether in-process verification ran

    @property
    def from_domain(self) -> str | None:
        addresses = set(self.from_addresses)
        if len(addresses) != 1:
            return None
        return domain_of(next(iter(addresses)))


@dataclass(frozen=True)
class SenderCheck:
    verdict: Verdict
    reason: str
    authority: Authority | None = None


def domain_of(address: str | None) -> str | None:
    if not address or "@" not in address:
        return None
    return address.rsplit("@", 1)[1].strip().strip(">").lower().rstrip(".") or None


def authority_for_domain(domain: str | None, authorities: list[Authority]) -> Authority | None:
    """The authority that verified this domain or a parent of it (mail.komdigi.go.id -> komdigi.go.id)."""
    verified = verified_domain(domain, authorities)
    return verified[0] if verified else None


def verified_domain(domain: str | None, authorities: list[Authority]) -> tuple[Authority, str] | None:
    if not domain or not domain.isascii():
        return None
    domain = domain.lower().rstrip(".")
    for authority in authorities:
        for verified in authority.email_domains:
            if _under(domain, verified):
                return authority, verified
    return None


def check_sender(evidence: SenderEvidence, authorities: list[Authority]) -> SenderCheck:
    """Whether the message provably comes from an authority, claims one falsely, or claims none."""
    addresses = sorted(set(evidence.from_addresses))
    if len(addresses) > 1:
        claimed = _claimed_authority(evidence, authorities)
        if claimed:
            return SenderCheck(Verdict.QUARANTINE, f"{len(addresses)} From addresses "
                               f"({', '.join(addresses)[:200]}): never an authority's", claimed)
        return SenderCheck(Verdict.UNCLAIMED, f"{len(addresses)} From addresses")
    domain = evidence.from_domain
    found = verified_domain(domain, authorities)
    if domain is None or found is None:  # no domain is never verified
        return _unproven_claim(evidence, domain, authorities)
    authority, verified = found
    problem = _authentication_problem(evidence, domain, verified)
    if problem:
        return SenderCheck(Verdict.QUARANTINE, f"claims {authority.name} ({domain}) but {problem}",
                           authority)
    return SenderCheck(Verdict.TRUSTED, f"authenticated sender of {authority.name}", authority)


def _authentication_problem(evidence: SenderEvidence, domain: str, verified: str) -> str | None:
    """None when the sender is proven; else what is wrong, in words."""
    if evidence.forgeries:
        return "carries forged authentication results: " + "; ".join(evidence.forgeries)[:300]
    dmarc = [r for r in evidence.trusted_results if r.method == "dmarc"]
    for result in dmarc:
        header_from = result.properties.get("header.from", "").lower().rstrip(".")
        if header_from and header_from != domain:
            return f"DMARC was evaluated for {header_from}, not for the From domain {domain}"
        if result.result != "pass":
            verdict = "failed" if result.result == "fail" else f"gave {result.result!r}"
            return f"DMARC {verdict} for {domain}: possible spoofing"
    if dmarc:
        return None  # DMARC passed for the From domain itself
    dkim = [r for r in evidence.trusted_results if r.method == "dkim"]
    passing = [r.properties.get("header.d", "").lower() for r in dkim if r.result == "pass"]
    passing += [d.lower() for d in evidence.dkim_verified]
    if any(d and _under(d, verified) for d in passing):
        return None
    if passing:
        return (f"its DKIM signature is by {', '.join(sorted(set(passing)))[:120]}, "
                f"not aligned with {verified}")
    failed = [f"dkim={r.result}" for r in dkim if r.result != "pass"]
    if failed:
        return f"{', '.join(failed)}: possible spoofing"
    if evidence.trusted_results:
        return "our server found no passing DMARC result and no aligned DKIM signature"
    checked = "no valid DKIM signature of its domain" if evidence.dkim_checked else "DKIM not checked"
    return f"no Authentication-Results of our own server (other servers' do not count) and {checked}"


def _unproven_claim(evidence: SenderEvidence, domain: str | None,
                    authorities: list[Authority]) -> SenderCheck:
    for authority in authorities:
        for verified in authority.email_domains:
            if domain and looks_like(domain, verified):
                return SenderCheck(Verdict.QUARANTINE, f"the From domain {domain} looks like "
                                   f"{verified} ({authority.name}) but is not it", authority)
    claimed = _claimed_by_name(evidence, authorities)
    if claimed:
        return SenderCheck(Verdict.QUARANTINE, f"the display name claims {claimed.name}, but the "
                           f"address is {', '.join(evidence.from_addresses) or 'missing'}", claimed)
    return SenderCheck(Verdict.UNCLAIMED, f"{domain or 'an unknown sender'} is no authority's domain")


def _claimed_authority(evidence: SenderEvidence, authorities: list[Authority]) -> Authority | None:
    for address in evidence.from_addresses:
        domain = domain_of(address)
        found = verified_domain(domain, authorities)
        if found:
            return found[0]
        for authority in authorities:
            if domain and any(looks_like(domain, v) for v in authority.email_domains):
                return authority
    return _claimed_by_name(evidence, authorities)


def _claimed_by_name(evidence: SenderEvidence, authorities: list[Authority]) -> Authority | None:
    """Display-name spoofing: "Komdigi <x@gmail.com>", "aduan@komdigi.go.id <x@evil.example>"."""
    for name in evidence.display_names:
        flat = skeleton(name)
        squashed = _squash(flat)
        for authority in authorities:
            words = {skeleton(authority.name)} | {_distinctive(v) for v in authority.email_domains}
            if any(len(w) >= 4 and _squash(w) in squashed for w in words):
                return authority
            if any(_squash(skeleton(v)) in squashed for v in authority.email_domains):
                return authority
    return None


# --- look-alike domains ---------------------------------------------------------------------

# Letters that render like Latin ones (Unicode TR 39 confusables, the ones seen in phishing),
# and digit swaps. Enough to catch "kоmdigi" with a Cyrillic o; a human reviews what we flag.
CONFUSABLES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ѕ": "s",
    "ԛ": "q", "ԝ": "w", "ɡ": "g", "ɢ": "g", "ı": "i", "ӏ": "l", "α": "a", "β": "b", "ε": "e",
    "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "γ": "y",
    "0": "o", "1": "l", "3": "e", "5": "s", "|": "l",
})


def skeleton(text: str) -> str:
    """A form in which look-alike spellings of one name meet: IDNA decoded, NFKC, casefolded,
    accents and confusable letters mapped to plain Latin, "rn" read as "m", "i" as "l"."""
    text = _idna_decoded(text)
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.translate(CONFUSABLES)
    return text.replace("rn", "m").replace("vv", "w").replace("i", "l")


def looks_like(domain: str, verified: str) -> bool:
    """``domain`` imitates ``verified`` without being it or under it."""
    domain, verified = domain.lower().rstrip("."), verified.lower().rstrip(".")
    if _under(domain, verified):
        return False
    seen, real = skeleton(domain), skeleton(verified)
    if _under(seen, real) or seen.startswith(real + "."):  # homograph, or komdigi.go.id.evil.net
        return True
    squashed, wanted = _squash(seen), _squash(real)
    if squashed.startswith(wanted) or squashed.endswith(wanted):  # komdigi-go.id, komdigigo.id
        return True
    distinctive = _distinctive(verified)
    labels = [label for label in _labels(seen) if label]
    if len(distinctive) >= 4 and any(_close(label, distinctive) for label in labels):
        return True  # komdigi.co.id, mail-komdigi.com, komdlgi.go.id
    return len(real) >= 8 and _distance(seen, real, 2) <= 2


def _distinctive(verified: str) -> str:
    """The label that names the organisation: komdigi of komdigi.go.id, garda of garda.ie."""
    return skeleton(verified.split(".")[0])


def _labels(text: str) -> list[str]:
    for separator in "-_":
        text = text.replace(separator, ".")
    return text.split(".")


def _close(label: str, name: str) -> bool:
    if label == name:
        return True
    return len(name) >= 6 and abs(len(label) - len(name)) <= 1 and _distance(label, name, 1) <= 1


def _squash(text: str) -> str:
    return "".join(c for c in text if c.isalnum())


def _under(domain: str, parent: str) -> bool:
    return domain == parent or domain.endswith("." + parent)


def _idna_decoded(text: str) -> str:
    labels = []
    for label in text.split("."):
        if label.lower().startswith("xn--"):
            try:
                label = label.encode("ascii").decode("idna")
            except (UnicodeError, ValueError):
                pass
        labels.append(label)
    return ".".join(labels)


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, given up once over ``limit`` (domains are short)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]
