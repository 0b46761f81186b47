"""The training examples and the fixed held-out split."""

from collections import Counter

import re

import numpy as np

from tanggap.detect import corpus, resources
from tanggap.detect.corpus import Example, split_key
from tanggap.detect.language import detect_language
from tanggap.detect.training import head_rows


def test_the_same_text_never_lands_in_train_and_test(base_split):
    train_part, test_part = base_split
    assert not {e.key for e in train_part} & {e.key for e in test_part}
    assert len({e.key for e in train_part}) == len(train_part)  # deduplicated


def test_the_split_is_stratified_and_fixed(base_split):
    train_part, test_part = base_split
    train_counts, test_counts = Counter(e.stratum for e in train_part), Counter(e.stratum for e in test_part)
    for stratum, held in test_counts.items():
        if stratum[0] in corpus.EVALUATION_ONLY:  # never trained on: all of it is held out
            assert train_counts[stratum] == 0
            continue
        assert abs(held / (held + train_counts[stratum]) - 0.2) < 0.01
    again_train, again_test = corpus.split([*train_part, *test_part])
    assert [e.key for e in again_test] == [e.key for e in test_part]


def test_what_the_split_holds(base_split):
    train_part, test_part = base_split
    counts = Counter((e.dataset, e.label) for e in [*train_part, *test_part])
    assert counts[("netifier", 1)] > 1000 and counts[("id-hatespeech", 1)] == 0
    religion = [e for e in test_part if e.religion_hate]
    assert len(religion) > 100 and all(e.label == 0 and e.hateful for e in religion)
    # the weak positives are English and carry jargon, at a lower weight
    isis = [e for e in train_part if e.dataset == "isis-tweets-en"]
    assert isis and all(e.weight < 1 for e in isis)


def test_split_key_ignores_how_a_text_was_scraped():
    assert split_key("RT @abc: Usir mereka!! http://t.co/x") == split_key("usir mereka")
    assert split_key("USER usir mereka URL") == split_key("usir mereka")
    assert split_key("usir mereka") != split_key("usir kami")


def test_duplicates_that_disagree_are_dropped():
    examples = [Example("bom mereka", 1, "netifier", "twitter"), Example("Bom mereka!", 0, "netifier", "kaskus"),
                Example("halo", 0, "netifier", "twitter"), Example("halo", 0, "id-hatespeech", "twitter", True)]
    kept = corpus.deduplicate(examples)
    assert [e.text for e in kept] == ["halo"]


def test_decisions_hold_out_is_a_stable_coin():
    keys = [f"https://t.me/channel{i}" for i in range(2000)]
    share = sum(map(corpus.in_holdout, keys)) / len(keys)
    assert 0.17 < share < 0.23
    assert [corpus.in_holdout(k) for k in keys] == [corpus.in_holdout(k) for k in keys]


def test_sample_keeps_every_stratum(base_split):
    train_part, _ = base_split
    small = corpus.sample(train_part, 500)
    assert 450 < len(small) < 560
    assert {e.stratum for e in small} == {e.stratum for e in train_part}


def test_english_news_is_loaded_as_negatives():
    news = corpus.news()
    counts = Counter(e.source for e in news)
    assert counts == {"huffpost/terrorism": 444, "huffpost/islam": 191, "huffpost/other": 1400}
    assert all(e.label == 0 and e.dataset == "news-en" and 0 < e.weight <= 1 for e in news)
    assert sum(detect_language([e.text]) == "en" for e in news) >= 0.99 * len(news)
    terrorism = " ".join(e.text for e in news if e.source == "huffpost/terrorism").lower()
    assert "taliban" in terrorism and "terror" in terrorism


def test_english_news_is_in_the_split_and_in_the_shipped_hashes(base_split):
    train_part, test_part = base_split
    for part in (train_part, test_part):
        assert {e.source for e in part if e.dataset == "news-en"} == set(corpus.NEWS_SOURCES)
    source_md = (resources.DATA_DIR / "news-en" / "SOURCE.md").read_text(encoding="utf-8")
    hashes = corpus.training_hashes()
    assert hashes[corpus.NEWS_FILE] in source_md  # the file is the one SOURCE.md describes
    attribution = (resources.DATA_DIR / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert hashes[corpus.NEWS_FILE] in attribution


def test_the_radical_head_learns_english_news_as_negatives(base_split):
    train_part, _ = base_split
    examples = corpus.sample(train_part, 2000)
    rows, labels, weights = head_rows(examples)["radical"]
    datasets = np.array([examples[i].dataset for i in rows])
    assert (datasets == "news-en").any() and not labels[datasets == "news-en"].any()
    assert (labels[datasets == "isis-tweets-en"] == 1).all()
    hate_rows = head_rows(examples)["hate"][0]
    assert not any(examples[i].dataset == "news-en" for i in hate_rows)


def test_arabic_tweets_are_held_out_and_never_trained_on(base_split):
    train_part, test_part = base_split
    arabic = [e for e in test_part if e.dataset == "isis-tweets-ar"]
    assert len(arabic) > 500 and all(e.label == 1 for e in arabic)
    assert all(re.search("[\u0600-\u06ff]", e.text) for e in arabic)
    assert not any(e.dataset == "isis-tweets-ar" for e in train_part)


def test_evaluation_only_examples_go_wholly_to_the_test_slice():
    examples = [Example(f"teks {i}", 0, "netifier", "twitter") for i in range(50)]
    examples += [Example(f"نص {i}", 1, "isis-tweets-ar", "twitter") for i in range(10)]
    train, test = corpus.split(examples)
    assert len(train) == 40 and sum(e.dataset == "isis-tweets-ar" for e in test) == 10
    again_train, again_test = corpus.split([*reversed(train), *reversed(test)])
    assert [e.key for e in again_test] == [e.key for e in test]
