"""Is it an order, whose, with which reference, and how long may it take (from the SLA table)."""

from __future__ import annotations

import pytest

from tanggap.domain.sla import DEFAULT_SLA_HOURS, SlaPolicy
from tanggap.intake import parse_message
from tanggap.intake.letters import Letter, assess, categories, reference
from tanggap.intake.mime import AuthVerdicts, Envelope

SLA = SlaPolicy()
KOMDIGI = Envelope(sender_address="aduankonten@komdigi.go.id", subject="Permintaan Penurunan Konten")
GARDA = Envelope(sender_address="tco.orders@garda.ie", subject="Removal order")


def letter(body: str, envelope: Envelope = KOMDIGI, **kwargs) -> Letter:
    return Letter(envelope, body, **kwargs)


ID_ORDER = "Nomor : B-0001/DJWD/PW.02.01/01/2026\nKami meminta penurunan konten terorisme berikut:\n1. t.me/x_kanal\n"


def test_an_indonesian_order_from_the_ministry():
    verdict = assess(letter(ID_ORDER))
    assert verdict.is_order and verdict.jurisdiction == "ID"
    assert verdict.order_reference == "B-0001/DJWD/PW.02.01/01/2026"
    assert (verdict.category, verdict.deadline_hours) == ("terrorism", 4)


def test_an_eu_tco_removal_order_is_one_hour():
    body = "Our reference: TCO-IE-2026-000214\nRemoval order under Regulation (EU) 2021/784. Remove within one hour.\n"
    verdict = assess(letter(body, GARDA))
    assert verdict.is_order and verdict.jurisdiction == "EU"
    assert (verdict.order_reference, verdict.category, verdict.deadline_hours) == ("TCO-IE-2026-000214", "terrorism", 1)


@pytest.mark.parametrize(
    ("words", "category", "hours"),
    [
        ("konten judi online", "gambling", 24),
        ("konten hoaks", "hoax", 24),
        ("konten pornografi anak", "csam", 4),
        ("konten yang mengganggu ketertiban umum", "public_order", 4),
        ("konten radikalisme", "terrorism", 4),
        ("konten penipuan investasi", "fraud", 24),
        ("konten negatif", "other", 24),
        ("konten judi online dan terorisme", "terrorism", 4),  # mixed: the shortest wins
    ],
)
def test_the_category_decides_the_indonesian_deadline(words, category, hours):
    body = f"Nomor: B-1/X/01/2026\nSifat: Biasa\nHal: Permintaan Penurunan {words}\nMohon diturunkan.\n"
    verdict = assess(letter(body))
    assert (verdict.category, verdict.deadline_hours) == (category, hours)


def test_deadlines_come_from_the_sla_table_not_from_the_parser():
    table = {**DEFAULT_SLA_HOURS, "ID": {"terrorism": 2, "*": 48}}
    verdict = assess(letter(ID_ORDER), SlaPolicy(hours=table))
    assert verdict.deadline_hours == 2
    gambling = ID_ORDER.replace("terorisme", "judi online")
    assert assess(letter(gambling), SlaPolicy(hours=table)).deadline_hours == 48


def test_categories_read_through_the_policy_aliases():
    # The longest alias wins: "pornografi anak" is csam, not also pornography.
    assert categories("Konten Judi-Online, TERORISME dan Pornografi Anak", SLA) == {"gambling", "terrorism", "csam"}
    assert categories("Sara datang; others said", SLA) == set()  # names and common words are not categories


@pytest.mark.parametrize(
    ("envelope", "why"),
    [
        (Envelope(sender_address="someone@gmail.com", subject="Permintaan"), "not an authority"),
        (Envelope(sender_address="aduankonten@komdigi.go.id.evil.net"), "not an authority"),
        (Envelope(sender_address="aduankonten@komdigi.go.id", auth=AuthVerdicts(dmarc="fail")), "DMARC failed"),
        (Envelope(sender_address="aduankonten@komdigi.go.id", automated="Auto-Submitted: auto-replied"), "automatic"),
        (Envelope(sender_address="aduankonten@komdigi.go.id", bulk="List-Unsubscribe"), "bulk"),
        (Envelope(sender_address="aduankonten@komdigi.go.id", subject="Undangan Rapat Koordinasi"), "correspondence"),
        (Envelope(), "not an authority"),
    ],
)
def test_what_is_not_an_order(envelope, why):
    verdict = assess(letter(ID_ORDER, envelope))
    assert not verdict.is_order and why in verdict.reason
    assert verdict.order_reference is None and verdict.deadline_hours is None


def test_a_ministry_reply_without_a_request_of_its_own_is_not_an_order():
    reply = Envelope(sender_address="aduankonten@komdigi.go.id", subject="Re: Permintaan Penurunan Konten")
    body = "Terima kasih, kanal sudah tidak dapat diakses.\n> Mohon menurunkan t.me/x_kanal"
    assert not assess(letter(body, reply)).is_order


def test_an_eu_style_letter_from_a_personal_mailbox_is_not_an_order():
    body = "Reference: TCO-DE-2026-000001\nRemoval order: remove t.me/x_kanal within one hour."
    assert not assess(letter(body, Envelope(sender_address="polizei.hinweis@gmail.com"))).is_order


def test_a_forward_takes_the_order_and_the_number_of_the_original():
    original = letter(ID_ORDER)
    forward = Letter(Envelope(sender_address="legal@telegram.org", subject="Fwd: Permintaan"),
                     "Diteruskan, mohon dicek.", forwarded=(original,))
    verdict = assess(forward)
    assert verdict.is_order and verdict.issuer is KOMDIGI
    assert verdict.order_reference == "B-0001/DJWD/PW.02.01/01/2026"
    assert "not by the issuing authority" in verdict.warnings[0]


def test_an_automatic_reply_carrying_an_order_is_not_an_order():
    bounce = Letter(Envelope(sender_address="mailer@komdigi.go.id", automated="delivery report"),
                    forwarded=(letter(ID_ORDER),))
    assert not assess(bounce).is_order


@pytest.mark.parametrize(
    ("body", "subject", "expected"),
    [
        ("Nomor: B-0001/DJWD/PW.02.01/01/2026.", "", "B-0001/DJWD/PW.02.01/01/2026"),
        ("Nomor Surat : 1234/DJAI/AI.03.01/07/2017", "", "1234/DJAI/AI.03.01/07/2017"),
        (" | Nomor | : | B-2611/DJAI/AI.03.01/07/2024 ", "", "B-2611/DJAI/AI.03.01/07/2024"),
        ("Nomor\n:\nB-1502/DJAI/AI.03.01/05/2023\nSifat", "", "B-1502/DJAI/AI.03.01/05/2023"),
        ("Kami teruskan surat Nomor B-0127/DJWD/PW.02.01/01/2026 kemarin.", "", "B-0127/DJWD/PW.02.01/01/2026"),
        ("Permenkominfo Nomor 5 Tahun 2020", "Re: Permintaan [B-0952/DJWD/PW.02.01/04/2026]",
         "B-0952/DJWD/PW.02.01/04/2026"),
        ("Our reference: TCO-DE-2026-000123", "", "TCO-DE-2026-000123"),
        ("Reference: BKA/2026/778-A", "", "BKA/2026/778-A"),
        ("Permenkominfo Nomor 5 Tahun 2020\nNomor: -", "", None),
    ],
)
def test_references_exactly_as_written(body, subject, expected):
    assert reference(Letter(Envelope(subject=subject), body)) == expected


def test_the_letters_own_number_comes_before_a_quoted_one():
    body = "Nomor: B-0002/DJWD/PW.02.01/02/2026\nMohon diturunkan.\n\n> Nomor: B-0001/DJWD/PW.02.01/01/2026\n"
    assert reference(letter(body)) == "B-0002/DJWD/PW.02.01/02/2026"
    quoted_only = letter("Mohon diturunkan.\n\n> Nomor: B-0001/DJWD/PW.02.01/01/2026\n")
    assert reference(quoted_only) == "B-0001/DJWD/PW.02.01/01/2026"


def test_parsed_message_carries_authority_jurisdiction_and_category(build):
    result = parse_message(build.mail(build.letter + "1. t.me/x_kanal\n"))
    assert (result.authority_domain, result.jurisdiction, result.category) == ("komdigi.go.id", "ID", "terrorism")
    assert result.authority_name == "Direktorat Jenderal Pengawasan Ruang Digital"
    assert result.auth == AuthVerdicts("pass", "pass", "pass")
    assert result.order_reason.startswith("order")


def test_a_complaint_keeps_its_mentioned_channel_but_has_no_targets(build):
    result = parse_message(build.mail("Please remove https://t.me/scam_kanal", sender="Jonas <jonas@posteo.de>",
                                      subject="Scam"))
    assert not result.is_order and result.targets == ()
    assert [t.canonical for t in result.mentioned_targets] == ["https://t.me/scam_kanal"]
