"""Normalisation of Indonesian social-media text: what it folds, and what it must keep."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tanggap.detect.normalise import (
    fold_word_forms,
    normalise_arabic,
    repair,
    replace_emoji,
    split_hashtags,
    strip_source_markup,
)
from tanggap.detect.resources import default_normaliser


@pytest.fixture(scope="module")
def normalise():
    return default_normaliser()


def test_scraper_escapes_are_undone():
    # id-hatespeech writes emoji and newlines as literal escapes
    assert repair("ya \\xf0\\x9f\\x98\\x84 gitu\\nlah") == "ya 😄 gitu lah"
    assert repair("&amp;quot;bom&amp;quot;") == '"bom"'
    assert repair("𝐛𝐨𝐦 ｋａｆｉｒ") == "bom kafir"  # fancy and fullwidth letters


@pytest.mark.parametrize("raw", [
    "RT @kabar_x: usir mereka http://t.co/abc123",
    "USER USER usir mereka URL",
    "[QUOTE=jessepinkman16;5a50ac34d89b]usir mereka[/QUOTE] :lehuga",
    "usir mereka pic.twitter.com/xyz",
])
def test_markup_that_names_a_source_is_removed(normalise, raw):
    assert normalise(raw).text == "usir mereka"


def test_source_markup_alone():
    assert strip_source_markup("@ahok_bt halo URL").split() == ["halo"]
    assert "jam 10:30" in strip_source_markup("jam 10:30 ya")  # a time is not a smiley code


def test_meaningful_emoji_become_words_and_others_go():
    assert replace_emoji("siap 💣🔫 😂").split() == ["siap", "bom", "senjata"]
    assert "telunjuk tauhid" in replace_emoji("☝️")


def test_word_forms_fold():
    assert fold_word_forms("kapirrr anak2") == "kapir anak anak"
    assert fold_word_forms("k4f1r t3tap") == "kafir tetap"
    assert fold_word_forms("2019 10rb") == "2019 10rb"  # numbers are not leetspeak
    assert fold_word_forms("wkwkwk hahaha lucu").split() == ["lucu"]
    assert split_hashtags("#BelaIslamJilid3").split() == ["Bela", "Islam", "Jilid", "3"]


def test_slang_and_abbreviations_become_standard_indonesian(normalise):
    assert normalise("yg gak tau dmn").text == "yang tidak tahu di mana"


def test_english_is_not_run_through_the_indonesian_slang_lists(normalise):
    # the slang lists map "or" -> "orang" and "can" -> "belum" (code-mixed tweets)
    assert normalise("you can stay or go, this is the way").text == "you can stay or go this is the way"


def test_transliteration_variants_fold_to_one_spelling(normalise):
    for spelling in ("thoghut", "toghut", "taghut", "Thaghut"):
        assert normalise(f"lawan {spelling}").text == "lawan thaghut"
    assert normalise("kapir").text == "kafir"
    assert normalise("dawlah islamiyah").text == "daulah islamiyah"


def test_lexicon_terms_are_protected_from_slang(normalise):
    # new_kamusalay maps syahid -> sahid and akhi -> saudara; the lexicon term must survive
    assert "syahid" in normalise("mati syahid").text.split()
    assert "akhi" in normalise("ana akhi").text.split() or "ikhwan" in normalise("ana akhi").text.split()


def test_arabic_script_is_unified():
    assert normalise_arabic("بِسْمِ اللَّهِ") == "بسم الله"
    assert normalise_arabic("أإآ ة ى") == "ااا ه ي"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_normalises_to_lowercase_tokens(text):
    result = default_normaliser()(text)
    assert result.text == result.text.lower()
    assert "  " not in result.text and "\n" not in result.text
    assert "http" not in result.text or "http" in text.lower().replace("https://", "").replace("http://", "")
