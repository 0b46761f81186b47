"""Finding targets in text, HTML and tables: every spelling, and nothing that is not one."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tanggap.domain.targets import Target
from tanggap.intake.links import (
    Harvest,
    find_targets,
    harvest_html,
    harvest_table,
    harvest_text,
    unwrap_redirect,
)


def canonicals(text: str) -> list[str]:
    return [t.canonical for t in find_targets(text)]


def html_targets(html: str) -> tuple[list[str], Harvest]:
    harvest = Harvest()
    harvest_html(html, harvest)
    return [t.canonical for t in harvest.sorted_targets()], harvest


def table_targets(rows, **options) -> list[str]:
    harvest = Harvest()
    harvest_table(rows, harvest, **options)
    return [t.canonical for t in harvest.sorted_targets()]


@pytest.mark.parametrize(
    "written",
    [
        "see https://t.me/kabar_x now", "t.me/kabar_x", "telegram.dog/kabar_x",
        "WWW.TELEGRAM.ME/Kabar_X", "kabar_x.t.me", "https://kabar_x.t.me/", "t.me/s/kabar_x",
        "tg://resolve?domain=kabar_x", "<https://t.me/kabar_x>", "«t.me/kabar_x»", "'t.me/kabar_x'",
        "(t.me/kabar_x)", "[t.me/kabar_x]", "t.me/kabar_x.", "t.me/kabar_x,", "t.me/kabar_x;",
        "t.me/kabar_x:", "t.me/kabar_x!", "“t.me/kabar_x”", "hxxps://t[.]me/kabar_x",
        "t(.)me/kabar_x", "t[dot]me/kabar_x", "https://t.\u200bme/kab\u200bar_x",
        "https://t.me/kabar_x?start=ref", "**https://t.me/kabar_x**", "t.me/kabar_x…", "t.me/kabar_x。",
    ],
)
def test_a_link_in_running_text_is_found_in_any_spelling(written):
    assert canonicals(f"Mohon turunkan {written} segera.") == ["https://t.me/kabar_x"]


def test_links_side_by_side_stay_apart():
    text = "t.me/satu_kanal,t.me/dua_kanal;t.me/tiga_kanal (t.me/empat_kanal)"
    assert canonicals(text) == [
        "https://t.me/dua_kanal", "https://t.me/empat_kanal", "https://t.me/satu_kanal", "https://t.me/tiga_kanal",
    ]


def test_the_same_target_in_several_spellings_counts_once_and_keeps_its_spellings():
    harvest = Harvest()
    harvest_text("t.me/Kabar_X and https://telegram.me/kabar_x/ and @kabar_x\n1. @kabar_x", harvest)
    assert list(harvest.targets) == ["https://t.me/kabar_x"]
    assert harvest.spellings["https://t.me/kabar_x"] == ["t.me/Kabar_X", "https://telegram.me/kabar_x/", "@kabar_x"]


def test_a_channel_and_a_post_in_it_are_two_targets():
    assert canonicals("t.me/kabar_x t.me/kabar_x/5") == ["https://t.me/kabar_x", "https://t.me/kabar_x/5"]


def test_posts_private_posts_and_invites():
    text = "tg://resolve?domain=kabar_x&post=7 t.me/c/123456/8?single t.me/joinchat/AbCdEfGh12 tg://join?invite=ZyXwVuTs99"
    assert canonicals(text) == [
        "https://t.me/+AbCdEfGh12", "https://t.me/+ZyXwVuTs99", "https://t.me/c/123456/8", "https://t.me/kabar_x/7",
    ]


@pytest.mark.parametrize(
    "line",
    ["1. @kabar_x", "12) @kabar_x", "(a) @kabar_x", "b. @kabar_x", "iv) @kabar_x", "- @kabar_x",
     "* @kabar_x", "• @kabar_x", "> 3. @kabar_x", "1. @kabar_x (kanal utama)", "2. @kabar_x - aktif",
     "| 4 | @kabar_x | Aktif |", "5\t@kabar_x\tAktif", "6      Kabar X       @kabar_x        Username"],
)
def test_an_at_name_counts_as_an_entry_of_a_list_or_table(line):
    assert canonicals(f"Daftar:\n{line}\n") == ["https://t.me/kabar_x"]


@pytest.mark.parametrize(
    "text",
    ["Hubungi akun Telegram @maya_wasdig.", "@maya_wasdig", "Narahubung: @maya_wasdig",
     "1. Hubungi @maya_wasdig untuk info", "- @maya_wasdig adalah narahubung kami",
     "Maya | @maya_wasdig", "CP. @maya_wasdig", "surel maya@komdigi.go.id", "Tim Humas\t@maya_wasdig"],
)
def test_an_at_name_in_prose_or_a_signature_is_no_target(text):
    assert canonicals(text) == []


def test_other_sites_are_out_of_scope_not_targets():
    harvest = Harvest()
    harvest_text("https://x.com/kabar_x https://www.youtube.com/watch?v=1 https://telegram.org/faq www.komdigi.go.id",
                 harvest)
    assert harvest.targets == {}
    assert list(harvest.out_of_scope) == [
        "https://x.com/kabar_x", "https://www.youtube.com/watch?v=1", "https://telegram.org/faq", "www.komdigi.go.id",
    ]


def test_a_broken_telegram_link_is_rejected_with_a_reason():
    harvest = Harvest()
    harvest_text("t.me/addstickers/Pack and https://t.me/abc", harvest)
    assert harvest.targets == {}
    assert set(harvest.rejected) == {"t.me/addstickers/Pack", "https://t.me/abc"}
    assert "not a channel" in harvest.rejected["t.me/addstickers/Pack"]


def test_gateway_rewritten_links_are_unwrapped():
    safe = "https://nam02.safelinks.protection.outlook.com/?url=https%3A%2F%2Ft.me%2Fkabar_x&data=05"
    assert unwrap_redirect(safe) == "https://t.me/kabar_x"
    assert unwrap_redirect("https://www.google.com/url?q=https://t.me/kabar_x&sa=D") == "https://t.me/kabar_x"
    assert unwrap_redirect("https://www.google.com/search?q=t.me") == "https://www.google.com/search?q=t.me"
    assert canonicals(f"lihat {safe}") == ["https://t.me/kabar_x"]


def test_html_href_is_authoritative_over_the_visible_text():
    found, harvest = html_targets('<p><a href="https://t.me/real_target">t.me/shown_target</a></p>')
    assert found == ["https://t.me/real_target"]
    assert any("differs from its href" in note for note in harvest.notes)


def test_html_link_to_another_site_hides_the_telegram_text():
    found, harvest = html_targets('<a href="https://evil.example/x">https://t.me/shown_target</a>')
    assert found == []
    assert list(harvest.out_of_scope) == ["https://evil.example/x"]


def test_html_lists_text_links_entities_and_unclosed_anchors():
    html = """<ol><li>@daftar_satu</li><li>tg://resolve?domain=daftar_dua&amp;post=3</li>
    <li><a href='//t.me/daftar_tiga'>tiga</li><li>hxxps://t[.]me/daftar_empat</li></ol>
    <script>var x = "https://t.me/dalam_skrip";</script><style>a{background:url(https://t.me/gaya_css)}</style>"""
    found, _ = html_targets(html)
    assert found == [
        "https://t.me/daftar_dua/3", "https://t.me/daftar_empat", "https://t.me/daftar_satu", "https://t.me/daftar_tiga",
    ]


def test_html_table_of_targets_with_at_names_and_a_signature_table():
    html = """<table><tr><th>No</th><th>Kanal</th><th>Keterangan</th></tr>
    <tr><td>1</td><td>@tabel_satu</td><td>Aktif</td></tr>
    <tr><td>2</td><td><a href="https://t.me/tabel_dua">Tabel Dua</a></td><td>Aktif</td></tr></table>
    <table><tr><td>Maya Puspitasari<br>Humas</td><td>@maya_wasdig</td></tr></table>"""
    found, _ = html_targets(html)
    assert found == ["https://t.me/tabel_dua", "https://t.me/tabel_satu"]


def test_html_column_headed_username_takes_bare_names():
    html = "<table><tr><td>No</td><td>Username</td></tr><tr><td>1</td><td>nama_polos</td></tr></table>"
    assert html_targets(html)[0] == ["https://t.me/nama_polos"]


def test_broken_html_still_gives_what_it_can():
    found, _ = html_targets("<table><tr><td>@tanpa_tutup<td><a href=\"https://t.me/buka_saja\">x<p><<<!--")
    assert "https://t.me/buka_saja" in found


def test_table_with_a_link_column_takes_at_names_and_bare_names_there():
    rows = [["No", "Nama Kanal", "URL", "Keterangan"], [1, "Kanal Satu", "@kanal_satu", "Aktif"],
            [2, "Kanal Dua", "kanal_dua", "Username"], [3, "Kanal Tiga", "t.me/kanal_tiga", "Unggahan"],
            [4, "Nama Tidak Sah", "bukan username", "x"]]
    assert table_targets(rows) == ["https://t.me/kanal_dua", "https://t.me/kanal_satu", "https://t.me/kanal_tiga"]


def test_table_without_a_link_column_takes_links_and_exact_at_names_only():
    rows = [[1, "Kanal Satu", "@kanal_satu", "Aktif"], [2, "lihat t.me/kanal_dua", "kanal_bukan", "Username"]]
    assert table_targets(rows) == ["https://t.me/kanal_dua", "https://t.me/kanal_satu"]


def test_a_table_with_no_link_keeps_at_names_out_when_context_is_needed():
    assert table_targets([["Maya", "@maya_wasdig"]], handles_need_context=True) == []
    assert table_targets([["Maya", "@maya_wasdig"]]) == ["https://t.me/maya_wasdig"]


def test_a_long_text_is_searched_in_linear_time():
    text = ("kata " * 200_000) + "t.me/di_ujung " + ("t.me/" * 100_000) + ("@" * 100_000)
    started = time.process_time()
    harvest = Harvest()
    harvest_text(text, harvest)
    assert time.process_time() - started < 10
    assert "https://t.me/di_ujung" in harvest.targets


# Fuzzing: the extractor never raises, finds only valid targets, and finds a planted one.
USERNAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{4,31}", fullmatch=True)
SPELLINGS = st.sampled_from([
    "https://t.me/{}", "t.me/{}", "telegram.dog/{}", "www.telegram.me/{}", "https://t.me/s/{}",
    "{}.t.me", "tg://resolve?domain={}", "hxxps://t[.]me/{}", "t(.)me/{}", "<https://t.me/{}>",
    "(t.me/{})", '"t.me/{}"', "t.me/{}.", "t.me/{},", "https://t.me/{}?start=1",
])
FILLER = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
SEPARATORS = st.sampled_from([" ", "\n", "\t", " - ", "\r\n", ": ", "\u00a0"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_fuzz_any_text_gives_only_valid_targets(text):
    harvest = Harvest()
    harvest_text(text, harvest)
    harvest_html(text, harvest)
    for canonical, target in harvest.targets.items():
        assert Target.from_canonical(canonical) == target


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FILLER, USERNAMES, SPELLINGS, FILLER, SEPARATORS)
def test_fuzz_a_planted_link_is_found_whatever_surrounds_it(before, username, spelling, after, separator):
    text = before + separator + spelling.format(username) + separator + after
    assert "https://t.me/" + username.lower() in canonicals(text)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(USERNAMES, SPELLINGS), min_size=1, max_size=8))
def test_fuzz_a_list_of_targets_is_found_entirely(entries):
    text = "\n".join(f"{n}. {spelling.format(name)}" for n, (name, spelling) in enumerate(entries, start=1))
    assert set(canonicals(text)) == {"https://t.me/" + name.lower() for name, _ in entries}


def test_a_table_header_may_follow_a_title_row_and_a_data_row_is_never_a_header():
    titled = [["Lampiran surat B-1/X/2026"], [], ["No", "Link"], [1, "nama_polos"]]
    assert table_targets(titled) == ["https://t.me/nama_polos"]
    no_header = [[1, "Kanal", "t.me/kanal_satu", "Link aktif"], [2, "Kanal", "t.me/kanal_dua", "Link"]]
    assert table_targets(no_header) == ["https://t.me/kanal_dua", "https://t.me/kanal_satu"]
    assert table_targets([["Username"], ["Username"]]) == ["https://t.me/username"]  # the header itself is no target
