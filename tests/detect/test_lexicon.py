"""The lexicon: spelling variants, case-sensitive acronyms, and low terms never alone."""

import pytest

from tanggap.detect.lexicon import evidence, spelling_key
from tanggap.detect.resources import default_normaliser


@pytest.fixture(scope="module")
def normalise():
    return default_normaliser()


def hits(normalise, text):
    return {(hit.term, hit.specificity) for hit in normalise(text).hits}


def test_spelling_key_folds_transliteration_but_not_o_and_a():
    assert spelling_key("thoghut") == spelling_key("toghut")
    assert spelling_key("qitaal") == spelling_key("kital")
    assert spelling_key("daulah") == spelling_key("dawlah")
    assert spelling_key("ansor") != spelling_key("anshar")  # GP Ansor is not "anshar"


def test_variants_and_phrases_match(normalise):
    assert ("ansharut thaghut", "high") in hits(normalise, "perangi ansharut thoghut")
    assert ("amaliyah", "high") in hits(normalise, "siap amaliah")
    assert ("baiat", "medium") in hits(normalise, "kami berbaiat")
    assert ("amaq", "high") in hits(normalise, "#AmaqAgency reports")


def test_acronyms_match_only_in_capitals(normalise):
    assert ("jamaah ansharut daulah", "high") in hits(normalise, "anggota JAD ditangkap")
    assert not hits(normalise, "jad gimana nih")  # "jad" is slang for "jadi"
    assert ("mujahidin indonesia timur", "medium") in hits(normalise, "MIT di Poso")  # reviewed down


def test_everyday_words_listed_as_variants_are_demoted(normalise):
    assert hits(normalise, "selamat menempuh hidup baru untuk kedua pengantin") == {("bom syahid", "low")}
    assert hits(normalise, "banjir di wilayah jakarta") == {("wilayah", "low")}
    # and a different word listed as a variant is not rewritten as the term
    assert "pengantin" in normalise("pengantin baru").text.split()
    assert "bom" not in normalise("pengantin baru").text.split()


def test_low_specificity_terms_never_count_alone(normalise):
    assert evidence(normalise("semangat hijrah dan jihad melawan hawa nafsu, akhi").hits).level == "none"
    assert evidence(normalise("hijrah ke syam untuk berbaiat").hits).level == "strong"
    assert evidence(normalise("berbaiat dan berhijrah").hits).level == "medium"
    assert evidence(normalise("berbaiat").hits).level == "weak"


def test_evidence_reads_for_a_moderator(normalise):
    explanation = evidence(normalise("serang toghut").hits).explanation
    assert "thaghut" in explanation and "toghut" in explanation and "medium" in explanation
