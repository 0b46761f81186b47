"""The deadline follows the content a letter names, not only the category's own name."""

import pytest

from tanggap.intake.parse import parse_message
from tests.intake_more.conftest import GARDA, email


@pytest.mark.parametrize(("hal", "category"), [
    ("Pemblokiran Kanal Propaganda ISIS", "terrorism"),
    ("Konten Jamaah Ansharut Daulah (JAD)", "terrorism"),
    ("Konten Ekstremisme Kekerasan", "terrorism"),
    ("Konten Kekerasan Seksual terhadap Anak", "csam"),
    ("Konten Provokasi Kerusuhan", "public_order"),
    ("Konten Separatisme", "public_order"),
])
def test_an_urgent_category_named_by_its_content_gets_four_hours(hal, category):
    body = (f"Nomor : B-0720/DJWD/PW.02.01/05/2026\nHal : {hal}\n\n"
            "Kami meminta agar kanal berikut diblokir:\n1. t.me/kanal_kat\n")
    parsed = parse_message(email(body))
    assert (parsed.category, parsed.deadline_hours) == (category, 4)


def test_gambling_stays_at_twenty_four_hours_and_a_mix_takes_the_shortest():
    gambling = ("Nomor : B-0721/DJWD/PW.02.01/05/2026\nHal : Judi Online Slot Gacor\n\n"
                "Mohon diblokir:\n1. t.me/slot_kat\n")
    assert parse_message(email(gambling)).deadline_hours == 24
    mixed = gambling.replace("Slot Gacor", "dan Propaganda ISIS")
    assert parse_message(email(mixed)).deadline_hours == 4


def test_an_eu_order_about_child_abuse_material_keeps_the_eu_table():
    body = ("Removal order under Regulation (EU) 2021/784, reference TCO-IE-2026-000400.\n"
            "Please remove https://t.me/kanal_eu_kat, which disseminates ISIS propaganda.\n")
    parsed = parse_message(email(body, sender=GARDA))
    assert parsed.deadline_hours == 1 and parsed.category == "terrorism"
