"""The fast text path (guarded and memoised normalisation, compiled n-gram hashing) gives what
the pipeline gave before it (``reference_pipeline``): the same normalised texts, languages,
n-gram counts and scores, on the whole shipped corpus and on generated awkward texts."""

from __future__ import annotations


import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tanggap.detect import corpus, memo
from tanggap.detect.features import hashed_counts, lexicon_features
from tanggap.detect.language import detect_language
from tanggap.detect.normalise import NormalisedText
from tanggap.detect.registry import PACKAGED_DIR, ModelRegistry
from tanggap.detect.resources import default_normaliser

from . import reference_pipeline as reference


@pytest.fixture(scope="module")
def texts():
    return [example.text for example in corpus.base_examples()]


@pytest.fixture(scope="module")
def normaliser():
    return default_normaliser()


@pytest.fixture(scope="module")
def shipped_model(tmp_path_factory):
    return ModelRegistry(tmp_path_factory.mktemp("models"), packaged=PACKAGED_DIR).load(None)


def _same_matrix(ours, theirs):
    theirs = theirs.tocsr()
    theirs.sort_indices()
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert np.array_equal(ours.indptr, theirs.indptr)
    assert np.array_equal(ours.indices, theirs.indices)
    assert np.array_equal(ours.data, theirs.data)


def test_whole_corpus_normalises_scores_and_routes_as_before(texts, normaliser, shipped_model):
    memo.clear_all()
    before = [reference.normalise(normaliser, text) for text in texts]
    assert [normaliser(text) for text in texts] == before  # memos filling
    assert [normaliser(text) for text in texts] == before  # memos full
    languages = [reference.detect_language([text]) for text in texts]
    assert [detect_language([text]) for text in texts] == languages
    memo.clear_all()
    assert normaliser.with_languages(texts) == (before, languages)  # what classify() uses

    counts = reference.hashed_counts(before)
    for ours, theirs in zip(hashed_counts(before), counts, strict=True):
        _same_matrix(ours, theirs)

    model = shipped_model
    old_matrix = model.features.from_counts(counts, lexicon_features(before))
    _same_matrix(model.features.transform(before), old_matrix)
    old_scores = model.scores_from_features(old_matrix, model.advocacy(texts))
    # the cascade's second stage, for every post
    new_scores = np.concatenate([model.scores_fully(texts[start:start + 512]) for start in range(0, len(texts), 512)])
    np.testing.assert_allclose(new_scores, old_scores, rtol=0, atol=1e-6)
    cascade = np.concatenate([model.scores(texts[start:start + 512]) for start in range(0, len(texts), 512)])
    passed = model.first_stage.decisions(texts)[:, 0] >= model.first_stage.cutoff
    np.testing.assert_allclose(cascade[passed], old_scores[passed], rtol=0, atol=1e-6)
    assert (cascade[~passed] < model.threshold).all()


# Texts built from the pieces every guard and memo looks for, in any order and spacing.
PIECES = ["bom", "kafir", "k4f1r", "thoghut", "anak2", "kapirrr", "wkwkwk", "hahaha", "xixi", "JAD", "MIT",
          "#BelaIslam", "@user", "USER", "URL", "RT", "rt:", "http://x.co/a", "www.X.com", "t.co/x", "a@b.id",
          "[QUOTE=x y]", "[B]", ":ngakak:", ":)", "xD", "^_^", "<3", "&amp;quot;", "\\xf0\\x9f\\x92\\xa3",
          "\\u0041", "\\n", "\\/", "\u200b", "𝐛𝐨𝐦", "ｋａｆｉｒ", "\U0001F4A3", "\U0001F525", "\u261D",
          "\u0627\u0644\u0644\u0647", "\u0623\u064E", "yg", "gak", "the", "and", "of", "dan", "ora", "teu",
          "isn't", "2019", "10rb", "e.g.", "x", "8)", "ha", "\"RT", "It's", "d'", "ß", "İ", "\u00a0"]
SPACING = [" ", "  ", "\n", "\t", "", "\u3000", ".", ",", "!"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(SPACING)), max_size=14))
def test_generated_texts_normalise_and_hash_as_before(parts):
    text = "".join(piece + space for piece, space in parts)
    normaliser = default_normaliser()
    expected = reference.normalise(normaliser, text)
    assert normaliser(text) == expected
    assert detect_language([text]) == reference.detect_language([text])
    assert normaliser.with_languages([text]) == ([expected], [reference.detect_language([text])])
    raw = NormalisedText(text)  # the hashing on any string, whitespace of every kind included
    for ours, theirs in zip(hashed_counts([expected, raw]), reference.hashed_counts([expected, raw]), strict=True):
        _same_matrix(ours, theirs)
