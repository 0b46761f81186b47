"""Who sent this message, as far as the message itself can prove it.

Two sources, as a mail operator would use them:

1. ``Authentication-Results`` headers (RFC 8601, parsed with ``authres``) that our own receiving
   server added: the topmost headers carrying one of our authserv-ids
   (``TANGGAP_INTAKE_TRUSTED_AUTHSERV_IDS``). Anyone can write such a header into a message, so
   one with a foreign id counts for nothing, and one with our id below a foreign one is a
   forgery (our server puts its own on top).
2. Where no trusted header gives a DKIM or DMARC verdict: DKIM verified here with ``dkimpy``; DNS look-ups go through a
   function that tests replace with local keys.

The verdict (aligned or not, whose, quarantine or not) is the domain's: ``domain/senders.py``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses

import authres
import dkim

from tanggap.domain.senders import AuthResult, SenderEvidence

log = logging.getLogger(__name__)
HEADER_END = re.compile(rb"\r?\n\r?\n")
MAX_HEADER_BYTES = 256 * 1024
MAX_SIGNATURES = 5  # more DKIM signatures than this is no normal mail; the rest are ignored
TXT_LOOKUP = Callable[..., bytes | None]  # dkimpy's dnsfunc: (name, timeout=…) -> TXT record


def dns_txt(name: bytes, timeout: int = 5) -> bytes | None:
    """TXT look-up through dnspython (what dkimpy itself would do), bounded in time."""
    return dkim.dnsplug.get_txt(name, timeout=timeout)


@dataclass(frozen=True)
class SenderTrust:
    """What this installation trusts: its own servers' authserv-ids, and how to look up keys."""

    authserv_ids: frozenset[str] = frozenset()
    dns: TXT_LOOKUP | None = field(default=dns_txt, hash=False)  # None: no in-process DKIM

    @classmethod
    def from_setting(cls, ids: str | Iterable[str], dns: TXT_LOOKUP | None = dns_txt) -> SenderTrust:
        items = ids.split(",") if isinstance(ids, str) else ids
        return cls(frozenset(i.strip().lower() for i in items if i.strip()), dns)


def sender_evidence(raw: bytes, trust: SenderTrust) -> SenderEvidence:
    """Read the From addresses and the authentication results this message can prove."""
    headers = _headers(raw)
    addresses, names = _from(headers)
    results, forgeries = trusted_results(headers.get_all("authentication-results") or [],
                                         trust.authserv_ids)
    verified: tuple[str, ...] = ()
    checked = False
    # Our server said nothing about DKIM or DMARC (e.g. it only checks SPF): verify here.
    if not any(r.method in ("dkim", "dmarc") for r in results) and trust.dns is not None:
        verified, checked = verify_dkim(raw, trust.dns), True
    return SenderEvidence(tuple(addresses), tuple(names), tuple(results), tuple(forgeries),
                          verified, checked)


def trusted_results(values: list[str], ours: frozenset[str]) -> tuple[list[AuthResult], list[str]]:
    """The results of the topmost headers with our authserv-id; forged ones noted in words.

    Only the topmost of them may prove anything. A receiving server that does not strip the
    headers that arrive with its own id (RFC 8601 section 5 says it should) leaves one the
    sender wrote right under its real one, where it looks like ours: its "dmarc=pass" would
    prove a forged From. Our servers may split their verdicts over several headers (one per
    milter), so the ones below the topmost still count when they fail: they can add doubt,
    never proof. Where the topmost header says nothing about DKIM or DMARC, the signature is
    verified here (``sender_evidence``)."""
    results: list[AuthResult] = []
    forgeries: list[str] = []
    foreign_seen = False
    topmost = True
    for position, value in enumerate(values, 1):
        header = _parse(str(value))
        authserv_id = (header.authserv_id or "").lower() if header else ""
        if authserv_id not in ours:
            foreign_seen = True
            continue
        if foreign_seen:
            forgeries.append(f"Authentication-Results no. {position} names our server "
                             f"{authserv_id} below a header of another server")
            continue
        found = _results(header)
        results.extend(found if topmost else [r for r in found if r.result != "pass"])
        topmost = False
    return results, forgeries


def verify_dkim(raw: bytes, dns: TXT_LOOKUP) -> tuple[str, ...]:
    """The d= domains of DKIM signatures that verify. A signature with ``l=`` (it covers only
    part of the body, so anything may be appended) does not count."""
    try:
        verifier = dkim.DKIM(raw, minkey=1024, timeout=5)
        count = sum(1 for name, _ in verifier.headers if name.lower() == b"dkim-signature")
    except Exception as error:  # a message dkimpy cannot read: no valid signature
        log.info("DKIM: message not readable", extra={"status": type(error).__name__})
        return ()
    passing = []
    for index in range(min(count, MAX_SIGNATURES)):
        try:
            prepared = verifier.verify_headerprep(index)
            if not prepared or b"l" in prepared[0]:
                continue
            if verifier.verify_sig(prepared[0], prepared[1], prepared[2][index], dns):
                passing.append(prepared[0][b"d"].decode("ascii", "replace").lower().rstrip("."))
        except Exception as error:  # dkim.DKIMException, DNS errors, malformed tags
            log.info("DKIM: signature did not verify", extra={"status": str(error)[:200]})
    return tuple(dict.fromkeys(passing))


def _headers(raw: bytes):  # type: ignore[no-untyped-def]
    end = HEADER_END.search(raw[:MAX_HEADER_BYTES])
    head = raw[:end.end()] if end else raw[:MAX_HEADER_BYTES]
    return BytesHeaderParser(policy=compat32).parsebytes(head)


def _from(headers) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    """Every address of every From header, and the display names (decoded)."""
    from email.header import decode_header, make_header

    values = [str(v)[:4096] for v in headers.get_all("from") or []]
    addresses, names = [], []
    for value in values:
        # Raw 8-bit (UTF-8) header bytes arrive as surrogate escapes: read them as UTF-8.
        value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        # Addresses first, then the names' encoded words (RFC 2047): an encoded word is text,
        # so "=?utf-8?q?Kemkomdigi_=3Caduan=40komdigi.go.id=3E?= <x@evil.example>" is one
        # address with a name that claims the ministry, not two addresses.
        for name, address in getaddresses([value]):
            if address:
                addresses.append(address.strip().lower())
            if "=?" in name:
                try:
                    name = str(make_header(decode_header(name)))
                except Exception:
                    pass
            if name.strip():
                names.append(name.strip())
        if "@" not in value:  # a From with no address at all still counts as one sender
            addresses.append(value.strip().lower() or "(empty)")
    return addresses, names


def _parse(value: str):  # type: ignore[no-untyped-def]
    try:
        return authres.AuthenticationResultsHeader.parse_value(" ".join(value.split())[:8192])
    except Exception:  # unparseable: counts as a foreign header
        return None


def _results(header) -> list[AuthResult]:  # type: ignore[no-untyped-def]
    found = []
    for result in header.results or []:
        properties = {f"{p.type}.{p.name}".lower(): str(p.value or "") for p in result.properties or []}
        found.append(AuthResult(str(result.method).lower(), str(result.result).lower(), properties))
    return found
