"""No forged order is trusted: every kind of forgery ends quarantined, with its reason in words."""

import pytest

from tests.intake_auth.corpus import (
    MINISTRY, NOMOR, ORDER_LETTER, OUR_MX, dmarc_pass, letter, sign, trusted,
)

OFFICIAL = f"Direktorat Jenderal <aduankonten@{MINISTRY}>"

FORGERIES = {
    # Anyone can write an Authentication-Results header; a foreign authserv-id counts for nothing.
    "foreign_authserv_id": (dict(headers=[dmarc_pass(server="evil.example")]), "no Authentication-Results"),
    "foreign_authserv_id_lookalike_of_ours": (
        dict(headers=[dmarc_pass(server=f"{OUR_MX}.evil.example")]), "no Authentication-Results"),
    # Our own id below a foreign header: written by the sender, not by our MX.
    "our_id_below_a_foreign_header": (
        dict(headers=[trusted("none", "relay.evil.example"), dmarc_pass()]), "forged"),
    "our_id_below_foreign_then_ours_on_top": (
        dict(headers=[trusted("spf=none smtp.mailfrom=komdigi.go.id"), trusted("none", "relay.evil.example"),
                      dmarc_pass()]), "forged"),
    "dkim_of_another_domain": (
        dict(headers=[trusted("dkim=pass header.d=attacker.example; spf=pass smtp.mailfrom=attacker.example")]),
        "not aligned"),
    "dkim_of_the_parent_suffix": (
        dict(headers=[trusted("dkim=pass header.d=go.id; spf=none")]), "not aligned"),
    "dmarc_fail": (dict(headers=[trusted(f"dkim=fail header.d={MINISTRY}; dmarc=fail header.from={MINISTRY}")]),
                   "DMARC failed"),
    "dmarc_for_another_from": (dict(headers=[dmarc_pass("attacker.example")]), "not for the From domain"),
    "dkim_fail_only": (dict(headers=[trusted(f"dkim=fail header.d={MINISTRY}")]), "dkim=fail"),
    "no_authentication_at_all": (dict(), "no Authentication-Results"),
    # Look-alike domains that pass DMARC for themselves (the attacker owns them).
    "hyphen_lookalike": (dict(sender="Komdigi <aduankonten@komdigi-go.id>", headers=[dmarc_pass("komdigi-go.id")]),
                         "looks like"),
    "suffix_lookalike": (dict(sender="Komdigi <aduankonten@komdigi.go.id.example.com>",
                              headers=[dmarc_pass("komdigi.go.id.example.com")]), "looks like"),
    "glued_lookalike": (dict(sender="Komdigi <aduankonten@komdigigo.id>", headers=[dmarc_pass("komdigigo.id")]),
                        "looks like"),
    "typo_lookalike": (dict(sender="Komdigi <aduankonten@komdlgi.go.id>", headers=[dmarc_pass("komdlgi.go.id")]),
                       "looks like"),
    "other_suffix_lookalike": (dict(sender="Komdigi <aduan@komdigi.co.id>", headers=[dmarc_pass("komdigi.co.id")]),
                               "looks like"),
    "cyrillic_o_punycode": (dict(sender="Komdigi <aduankonten@xn--kmdigi-5ye.go.id>",
                                 headers=[dmarc_pass("xn--kmdigi-5ye.go.id")]), "looks like"),
    "digit_for_letter": (dict(sender="Komdigi <aduankonten@k0mdigi.go.id>", headers=[dmarc_pass("k0mdigi.go.id")]),
                         "looks like"),
    # Two senders in one message.
    "two_addresses_in_from": (dict(sender=f"{OFFICIAL}, Helper <x@attacker.example>", headers=[dmarc_pass()]),
                              "From addresses"),
    "two_from_headers": (dict(extra_from=["Helper <x@attacker.example>"], headers=[dmarc_pass()]), "From addresses"),
    # The authority only in the display name.
    "display_name_address": (dict(sender=f'"aduankonten@{MINISTRY}" <pejabat.komdigi@gmail.com>',
                                  headers=[dmarc_pass("gmail.com")]), "display name"),
    "display_name_agency": (dict(sender="Kemkomdigi RI <notifikasi@mailer.example>",
                                 headers=[dmarc_pass("mailer.example")]), "display name"),
}


@pytest.mark.parametrize("kind", sorted(FORGERIES))
def test_a_forged_order_is_quarantined_with_its_reason(intake, kind):
    options, words = FORGERIES[kind]
    options.setdefault("sender", OFFICIAL)
    outcome = intake(letter(ORDER_LETTER, **options))
    assert outcome.state == "quarantined", outcome.reason
    assert outcome.order_id is None
    assert words in outcome.reason


def test_a_unicode_confusable_domain_in_the_raw_header_is_quarantined(intake):
    raw = letter(ORDER_LETTER, sender="Komdigi <aduankonten@komdigi.go.id>",
                 headers=[dmarc_pass("xn--kmdigi-5ye.go.id")])
    raw = raw.replace(b"aduankonten@komdigi.go.id", "aduankonten@kоmdigi.go.id".encode())  # Cyrillic о
    outcome = intake(raw)
    assert outcome.state == "quarantined" and outcome.order_id is None
    assert "looks like komdigi.go.id" in outcome.reason


def test_a_signature_of_the_attacker_under_a_ministry_from_is_not_aligned(intake):
    outcome = intake(sign(letter(ORDER_LETTER, sender=OFFICIAL), "attacker.example", key="attacker"))
    assert outcome.state == "quarantined" and "attacker.example" in outcome.reason


def test_a_ministry_signature_over_a_changed_body_does_not_verify(intake):
    raw = sign(letter(ORDER_LETTER, sender=OFFICIAL), MINISTRY)
    tampered = raw.replace(b"kanal_asal_dua", b"kanal_lawan_x")
    outcome = intake(tampered)
    assert outcome.state == "quarantined" and "no valid DKIM signature" in outcome.reason


def test_a_partial_body_signature_does_not_vouch_for_what_was_appended(intake):
    raw = sign(letter(ORDER_LETTER, sender=OFFICIAL), MINISTRY, length=True)
    outcome = intake(raw + b"\r\n6. https://t.me/kanal_sisipan\r\n")
    assert outcome.state == "quarantined"


def test_a_key_published_by_the_attacker_for_the_ministry_selector_is_not_found(intake):
    # The attacker signs with their key claiming d=komdigi.go.id; DNS has the ministry's key.
    outcome = intake(sign(letter(ORDER_LETTER, sender=OFFICIAL), MINISTRY, key="attacker"))
    assert outcome.state == "quarantined"


@pytest.mark.parametrize("how", ["trusted_dmarc", "trusted_aligned_dkim", "dkim_here", "dkim_here_subdomain"])
def test_a_proven_order_opens_an_order(intake, how):
    if how == "trusted_dmarc":
        raw = letter(ORDER_LETTER, sender=OFFICIAL, headers=[dmarc_pass()])
    elif how == "trusted_aligned_dkim":
        raw = letter(ORDER_LETTER, sender=OFFICIAL,
                     headers=[trusted(f"dkim=pass header.d=mail.{MINISTRY}; spf=softfail")])
    elif how == "dkim_here":
        raw = sign(letter(ORDER_LETTER, sender=OFFICIAL), MINISTRY)
    else:
        raw = sign(letter(ORDER_LETTER, sender=OFFICIAL), f"mail.{MINISTRY}")
    outcome = intake(raw)
    assert outcome.state == "order", outcome.reason
    assert outcome.order_id is not None


def test_a_trusted_header_decides_and_dkim_is_not_looked_up_then(intake, trust):
    outcome = intake(letter(ORDER_LETTER, sender=OFFICIAL, headers=[dmarc_pass()]))
    assert outcome.state == "order" and trust.dns.asked == []


def test_the_parse_contract_of_a_forged_letter_is_unchanged(tmp_path):
    """`intake parse --json` stores and trusts nothing: it reads the letter only."""
    from tanggap.intake.parse import parse_message

    parsed = parse_message(letter(ORDER_LETTER, headers=[dmarc_pass(server="evil.example")]))
    assert parsed.contract("x.eml")["order_reference"] == NOMOR


def test_when_our_server_checked_only_spf_dkim_is_verified_here(intake):
    raw = sign(letter(ORDER_LETTER, sender=OFFICIAL), MINISTRY)
    outcome = intake(letter_with_header(raw, trusted(f"spf=pass smtp.mailfrom={MINISTRY}")))
    assert outcome.state == "order", outcome.reason


def test_an_authoritys_unreadable_mail_goes_to_triage_not_quarantine(store, sla, authorities, trust):
    from tanggap.intake.parse import ParseLimits
    from tanggap.services.intake import process_inbound, receive_raw

    raw = letter(ORDER_LETTER, sender=OFFICIAL, headers=[dmarc_pass()])
    inbound_id = receive_raw(store.uow(), raw, "smtp").inbound_id
    outcome = process_inbound(store, sla, inbound_id, ParseLimits(max_message_bytes=200), trust)
    assert outcome.state == "triage" and "unreadable" in outcome.reason


def letter_with_header(raw: bytes, header: tuple[str, str]) -> bytes:
    """Our MX prepends its header above the sender's (DKIM-signed) message."""
    return f"{header[0]}: {header[1]}\r\n".encode() + raw
