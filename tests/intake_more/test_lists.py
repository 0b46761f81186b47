"""How ministry staff write a list of channels by hand, and what must stay out of it."""

import pytest

from tanggap.intake.links import Harvest, find_targets, harvest_table


def canonicals(text: str) -> list[str]:
    return [target.canonical for target in find_targets(text)]


@pytest.mark.parametrize("entry", [
    "1. Akun @kabar_xx", "- Kanal: @kabar_xx", "a. Username: @kabar_xx", "2) Channel Telegram - @kabar_xx",
    "3. Nama pengguna: @kabar_xx (aktif)",
])
def test_a_list_entry_may_say_what_the_handle_is(entry):
    assert canonicals(entry) == ["https://t.me/kabar_xx"]


@pytest.mark.parametrize("entry", ["1. @kabar_xx, @kabar_yy", "1. @kabar_xx dan @kabar_yy", "- @kabar_xx / @kabar_yy"])
def test_a_list_entry_may_name_several_handles(entry):
    assert canonicals(entry) == ["https://t.me/kabar_xx", "https://t.me/kabar_yy"]


@pytest.mark.parametrize("entry", [
    "1. Narahubung: @maya_wasdig", "1. Maya (@maya_wasdig)", "1. @kabar_xx, @kabar_yy adalah kanal utama",
    "Hubungi kami di @maya_wasdig",
])
def test_a_contact_person_or_prose_in_a_list_is_no_target(entry):
    assert canonicals(entry) == []


def test_a_column_headed_nama_pengguna_holds_usernames():
    harvest = Harvest()
    harvest_table([["No", "Nama Kanal", "Nama Pengguna"], ["1", "Kabar X", "kabar_xx"]], harvest)
    assert sorted(harvest.targets) == ["https://t.me/kabar_xx"]
