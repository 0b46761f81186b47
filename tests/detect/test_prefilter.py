"""The cascade's first stage (prefilter.py) and how the model uses it."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tanggap.detect import prefilter
from tanggap.detect.language import detect_language
from tanggap.detect.model import LABEL_NEGATIVE, sigmoid

TEXTS = ["Bunuh semua orang kafir, bom gereja mereka!!!", "", "   ", "...,,,", "kafirrrrr KAFIR kafir",
         "Selamat pagi 🌞 semuanya\u3000apa kabar", "بسم الله الرحمن الرحيم", "a", "ab cd\u00a0ef",
         "URL USER @someone https://t.co/x #BelaIslam", "l\u0130ne \ud800 lone surrogate"]


def _weights(n_bits: int = 12, heads: int = 2, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(2 ** n_bits, heads)).astype(np.float32)


def test_the_compiled_decisions_are_the_training_features_times_the_weights():
    weights, intercepts = _weights(), np.array([0.25, -1.5])
    expected = prefilter.counts(TEXTS, n_bits=12) @ weights.astype(np.float64) + intercepts
    np.testing.assert_allclose(prefilter.decisions(TEXTS, weights, intercepts), expected, rtol=1e-5, atol=1e-5)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=80), min_size=1, max_size=6))
def test_any_text_gets_the_same_decision_both_ways(texts):
    weights, intercepts = _weights(heads=1, seed=1), np.array([0.5])
    expected = prefilter.counts(texts, n_bits=12) @ weights.astype(np.float64) + intercepts
    np.testing.assert_allclose(prefilter.decisions(texts, weights, intercepts), expected, rtol=1e-5, atol=1e-5)


def test_tfidf_decisions_count_each_column_once_weighted_as_scikit_learn_does():
    from sklearn.feature_extraction.text import TfidfTransformer
    present = prefilter.presence(TEXTS, n_bits=12)
    idf = prefilter.fit_idf(present[:6])
    reference = TfidfTransformer(sublinear_tf=True).fit(present[:6]).transform(present)
    np.testing.assert_allclose(prefilter.tfidf(present, idf).toarray(), reference.toarray(), rtol=1e-5, atol=1e-6)
    weights, intercepts = _weights(heads=3, seed=2), np.array([0.25, -1.5, 2.0])
    expected = reference @ weights.astype(np.float64) + intercepts
    np.testing.assert_allclose(prefilter.decisions(TEXTS, weights, intercepts, idf), expected, rtol=1e-5, atol=1e-5)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=80), min_size=1, max_size=6))
def test_any_text_gets_the_same_tfidf_decision_both_ways(texts):
    idf = prefilter.fit_idf(prefilter.presence(TEXTS, n_bits=12))
    weights, intercepts = _weights(heads=1, seed=3), np.array([-0.5])
    expected = prefilter.tfidf(prefilter.presence(texts, n_bits=12), idf) @ weights.astype(np.float64) + intercepts
    np.testing.assert_allclose(prefilter.decisions(texts, weights, intercepts, idf), expected, rtol=1e-5, atol=1e-5)


def test_case_punctuation_and_stretched_letters_do_not_change_the_features():
    same = prefilter.counts(["kafir, (bom)", "KAFIR bom!!", "kafirrrr bom"], n_bits=16)
    assert (same[0] != same[1]).nnz == 0
    assert (prefilter.counts(["kafirr bom"], n_bits=16) != same[2]).nnz == 0


def test_a_text_without_words_has_no_features_and_scores_the_intercept():
    assert prefilter.counts(["", " ,.!? "], n_bits=10).nnz == 0
    np.testing.assert_allclose(prefilter.decisions(["", "!!"], _weights(10, 1), np.array([0.75])), [[0.75], [0.75]])


def test_the_cascade_rescores_what_the_first_stage_passes_and_ranks_the_rest_below_the_line(small_model):
    texts = TEXTS + ["Saudaraku, berbaiat kepada daulah islamiyah, perangi thaghut, amaliyah istisyhadiyah",
                     "Resep rendang padang yang enak dan mudah dibuat di rumah"]
    stage = small_model.first_stage
    decisions = stage.decisions(texts)
    passed = decisions[:, 0] >= stage.cutoff
    scores = small_model.scores(texts)
    full = small_model.scores_fully(texts)
    np.testing.assert_allclose(scores[passed], full[passed])
    threshold = small_model.threshold
    ranked = small_model.stack(decisions[~passed, 1], decisions[~passed, 2])  # rank and advocacy, stacked
    np.testing.assert_allclose(scores[~passed], np.minimum(threshold * sigmoid(ranked), np.nextafter(threshold, 0)))
    assert (scores[~passed] < threshold).all()
    verdicts = small_model.classify(texts)
    assert [v.score for v in verdicts] == scores.tolist()
    assert [v.language for v in verdicts] == [detect_language([text]) for text in texts]
    assert all(v.label == LABEL_NEGATIVE and v.evidence.startswith("first stage")
               for v, was_passed in zip(verdicts, passed, strict=True) if not was_passed)


def test_the_first_stage_cutoff_passes_on_what_the_full_model_labels_out_of_fold(small_model):
    report = small_model.manifest["training"]["first_stage"]
    assert report["labelled_passed_out_of_fold"] >= report["recall_target"]
    assert 0 < report["passed_out_of_fold"] < 1
    assert small_model.format == "tanggap-terrorism-cascade-v4"
    assert small_model.first_stage.heads == ("pass", "rank", "advocacy")
    assert small_model.first_stage.scaling == "tf-idf"
