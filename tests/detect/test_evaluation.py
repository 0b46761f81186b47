"""Metrics with intervals, and the promotion rule."""

import numpy as np
import pytest

from tanggap.detect.corpus import Example
from tanggap.detect.evaluation import bootstrap, calibration_error, evaluate, side_by_side, wilson
from tanggap.detect.lifecycle import judge


def test_wilson_interval_known_values():
    interval = wilson(2, 121)
    assert interval.value == pytest.approx(0.01653, abs=1e-4)
    assert interval.low == pytest.approx(0.00455, abs=1e-4) and interval.high == pytest.approx(0.05824, abs=1e-4)
    assert wilson(0, 10).low == 0.0 and wilson(0, 0).value is None


def test_bootstrap_intervals_hold_the_point():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 300)
    scores = np.clip(labels * 0.4 + rng.random(300) * 0.6, 0, 1)
    intervals = bootstrap(labels, scores, 0.5, 300, seed=0)
    for interval in intervals.values():
        assert interval.low <= interval.value <= interval.high


def test_calibration_error_of_a_calibrated_scorer_is_small():
    rng = np.random.default_rng(2)
    scores = rng.random(20000)
    labels = (rng.random(20000) < scores).astype(int)
    assert calibration_error(labels, scores) < 0.02
    assert calibration_error(labels, np.full(20000, 0.99)) > 0.4


def examples_and_scores():
    examples = [Example("a", 1, "netifier", "twitter"), Example("b", 0, "netifier", "twitter"),
                Example("c", 0, "id-hatespeech", "twitter", religion_hate=True, hateful=True),
                Example("d", 0, "id-hatespeech", "twitter")]
    return examples, np.array([0.9, 0.2, 0.8, 0.1])


def test_evaluation_counts_religion_hate_false_positives():
    examples, scores = examples_and_scores()
    result = evaluate("m", scores, 0.5, examples, resamples=50)
    assert result.religion_hate_fpr.hits == 1 and result.religion_hate_fpr.total == 1
    assert result.hate_speech_fpr.hits == 1 and result.hate_speech_fpr.total == 2
    assert result.radicalism["f1"].value == 1.0
    table = side_by_side([result, result])
    assert "FPR religion-targeted hate speech" in table and "radikalisme F1" in table


def test_promotion_needs_no_worse_everywhere_and_better_somewhere():
    examples, scores = examples_and_scores()
    live = evaluate("live", scores, 0.5, examples, resamples=20)
    same = evaluate("same", scores, 0.5, examples, resamples=20)
    fewer_false_alarms = evaluate("better", np.array([0.9, 0.2, 0.3, 0.1]), 0.5, examples, resamples=20)
    misses = evaluate("worse", np.array([0.1, 0.2, 0.3, 0.1]), 0.5, examples, resamples=20)
    assert judge(live, same)[0] is False
    promoted, reasons = judge(live, fewer_false_alarms)
    assert promoted and any("religion-hate FPR better" in r for r in reasons)
    promoted, reasons = judge(live, misses)
    assert not promoted and any("F1 on radikalisme worse" in r for r in reasons)


def test_english_and_arabic_are_reported_on_their_own():
    examples, scores = examples_and_scores()
    examples += [Example("Amaq: soldiers of the caliphate", 1, "isis-tweets-en", "twitter"),
                 Example("Wilayat Raqqa release", 1, "isis-tweets-en", "twitter"),
                 Example("الدولة الإسلامية", 1, "isis-tweets-ar", "twitter"),
                 Example("Police foil bomb plot", 0, "news-en", "huffpost/terrorism"),
                 Example("Mosque opens its doors", 0, "news-en", "huffpost/islam"),
                 Example("Team wins the cup", 0, "news-en", "huffpost/other")]
    scores = np.concatenate([scores, [0.9, 0.1, 0.7, 0.6, 0.1, 0.2]])
    result = evaluate("m", scores, 0.5, examples, resamples=20)
    rates = {name: (rate.hits, rate.total) for name, rate in result.extra.items()}
    assert rates == {"english_recall": (1, 2), "english_false_positive_rate": (1, 3),
                     "english_terrorism_news_fpr": (1, 1), "english_islam_news_fpr": (0, 1),
                     "arabic_recall": (1, 1)}
    assert result.religion_hate_fpr.total == 1 and result.radicalism["f1"].value == 1.0  # Indonesian unchanged
    table = side_by_side([result])
    assert "english false positive rate" in table and "arabic recall" in table
    assert result.as_json()["english_recall"]["hits"] == 1


def test_no_language_rates_without_those_rows():
    examples, scores = examples_and_scores()
    assert evaluate("m", scores, 0.5, examples, resamples=20).extra == {}
