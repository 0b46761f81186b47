"""The labelled examples a model learns from, and the fixed held-out split it is judged on.

Where the labels come from (see ``data/*/SOURCE.md`` and the model card):

- ``netifier``: ``radikalisme`` 1/0. The only Indonesian radicalism label; noisy (about a third
  of the positives are discussion of, or opposition to, radicalism). Its ``sara`` = 1,
  ``radikalisme`` = 0 rows are religious/ethnic insult that is not radical: hard negatives
  (``hateful``).
- ``id-hatespeech``: every row is a negative (hateful or religious is not terrorist); the
  ``HS_Religion`` = 1 rows are the hard negatives (``hateful``) the false-positive rate is
  measured on.
- ``isis-tweets-en``: account-level weak positives. Only English tweets with a medium- or
  high-specificity lexicon hit are used (a tweet from a pro-IS account about the weather is not
  propaganda), and at a lower weight.
- ``isis-tweets-ar``: the same accounts' Arabic-script tweets, for evaluation only (all of them go
  to the test slice): the shipped data hold no Arabic negatives, and a model that saw Arabic only
  as propaganda would flag every Indonesian post that quotes a verse or a nasheed title.
- ``news-en``: English negatives, HuffPost headlines with their standfirst: news about terrorism
  and counter-terrorism, news about Islam, and ordinary news (the source says which). Without
  them the only English a model sees is propaganda.
- ``decisions``: the platform's own moderators (``decisions.py``).

Every text is deduplicated on a *split key* (case, URLs, mentions, RT and punctuation folded)
before splitting, so the same text never lands in both train and test; texts whose duplicates
disagree on the label are dropped. The split is stratified by data set, source, label and
religion-hate flag, and fixed: within each stratum the examples are ordered by a seeded hash of
their key and the first 20 % are the test slice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from tanggap.detect import resources
from tanggap.detect.language import detect_language
from tanggap.detect.normalise import repair

SPLIT_SEED = "tanggap-detect-split-1"
TEST_SHARE = 0.2
NETIFIER_FILE = "netifier/train.csv.gz"
HATESPEECH_FILE = "id-hatespeech/re_dataset_train.csv.gz"
ISIS_FILE = "isis-tweets-en/tweets.csv.gz"
NEWS_FILE = "news-en/huffpost.csv.gz"
TRAINING_FILES = (NETIFIER_FILE, HATESPEECH_FILE, ISIS_FILE, NEWS_FILE)
ISIS_WEIGHT = 0.2  # weak, account-level positives in another language
NEWS_WEIGHT = 0.5  # sure negatives, but headlines, not posts: enough to teach "about is not for"
NEWS_SOURCES = ("huffpost/terrorism", "huffpost/islam", "huffpost/other")
EVALUATION_ONLY = frozenset({"isis-tweets-ar"})  # never trained on: wholly in the test slice


@dataclass(frozen=True)
class Example:
    text: str
    label: int  # 1: terrorist/radical advocacy, 0: not
    dataset: str  # netifier | id-hatespeech | isis-tweets-en | isis-tweets-ar | news-en | decisions
    source: str  # the platform it was posted on (twitter, kaskus, instagram, demo, ...)
    religion_hate: bool = False  # id-hatespeech HS_Religion = 1 (the false-positive measure)
    weight: float = 1.0
    hateful: bool = False  # religious/ethnic hate not labelled radical: the gate's positives

    @property
    def key(self) -> str:
        return split_key(self.text)

    @property
    def stratum(self) -> tuple[str, str, int, bool]:
        return (self.dataset, self.source, self.label, self.religion_hate)


_KEY_DROP = re.compile(r"https?://\S+|pic\.twitter\.com/\S+|@\w+|\bUSER\b|\bURL\b|\bRT\b|\[/?[a-zA-Z]+[^\]]*\]")
_KEY_KEEP = re.compile(r"[^0-9a-z\u0600-\u06ff]+")


def split_key(text: str) -> str:
    """Equal for the same text however it was scraped; deliberately simpler than the
    normaliser, so a change to normalisation does not move the split."""
    folded = _KEY_KEEP.sub("", _KEY_DROP.sub(" ", repair(text)).lower())
    return hashlib.sha1(folded.encode()).hexdigest()


# -- loading -----------------------------------------------------------------------------

def _rows(relative: str, data_dir: Path) -> Iterator[dict[str, str]]:
    yield from csv.DictReader(io.StringIO(resources.read_text(relative, data_dir)))


def netifier(data_dir: Path = resources.DATA_DIR) -> list[Example]:
    return [Example(row["original_text"], int(row["radikalisme"]), "netifier", row["source"],
                    hateful=row["sara"] == "1" and row["radikalisme"] == "0")
            for row in _rows(NETIFIER_FILE, data_dir)]


def hate_speech(data_dir: Path = resources.DATA_DIR) -> list[Example]:
    examples = []
    for row in _rows(HATESPEECH_FILE, data_dir):
        religion = row["HS_Religion"] == "1"
        examples.append(Example(row["Tweet"], 0, "id-hatespeech", "twitter", religion, hateful=religion))
    return examples


def _isis_rows(data_dir: Path) -> Iterator[tuple[str, str]]:
    """(tweet, language) for every tweet of the pro-IS accounts."""
    for row in _rows(ISIS_FILE, data_dir):
        yield row["tweets"], detect_language([row["tweets"]])


def isis_tweets(data_dir: Path = resources.DATA_DIR, jargon_only: bool = True) -> list[Example]:
    """English tweets of pro-IS accounts; with ``jargon_only`` those with a medium or high
    lexicon hit (about a sixth of them)."""
    normaliser = resources.default_normaliser()
    examples = []
    for text, language in _isis_rows(data_dir):
        if language != "en":
            continue
        if jargon_only and not any(hit.specificity != "low" for hit in normaliser(text).hits):
            continue
        examples.append(Example(text, 1, "isis-tweets-en", "twitter", weight=ISIS_WEIGHT))
    return examples


def isis_tweets_arabic(data_dir: Path = resources.DATA_DIR) -> list[Example]:
    """Arabic-script tweets of the same accounts (Arabic, some Urdu and Pashto), all of them: the
    lexicon barely reaches Arabic script, so a jargon filter would keep almost nothing."""
    return [Example(text, 1, "isis-tweets-ar", "twitter", weight=ISIS_WEIGHT)
            for text, language in _isis_rows(data_dir) if language == "ar"]


def news(data_dir: Path = resources.DATA_DIR) -> list[Example]:
    """English news headlines and standfirsts, label 0; the source is the selection subset
    (terrorism, islam, other; see ``data/news-en/SOURCE.md``)."""
    return [Example(f"{row['headline']} {row['short_description']}".strip(), 0, "news-en",
                    f"huffpost/{row['subset']}", weight=NEWS_WEIGHT)
            for row in _rows(NEWS_FILE, data_dir)]


def base_examples(data_dir: Path = resources.DATA_DIR) -> list[Example]:
    return deduplicate([*netifier(data_dir), *hate_speech(data_dir), *isis_tweets(data_dir),
                        *isis_tweets_arabic(data_dir), *news(data_dir)])


def training_hashes(data_dir: Path = resources.DATA_DIR) -> dict[str, str]:
    return {relative: resources.sha256_of(relative, data_dir) for relative in TRAINING_FILES}


# -- deduplication and the split --------------------------------------------------------

def deduplicate(examples: Iterable[Example]) -> list[Example]:
    """One example per split key; the first data set listed wins across data sets, and a key
    whose copies in one data set disagree on the label is dropped."""
    first: dict[str, Example] = {}
    conflicted: set[str] = set()
    for example in examples:
        key = example.key
        kept = first.get(key)
        if kept is None:
            first[key] = example
        elif kept.dataset == example.dataset and kept.label != example.label:
            conflicted.add(key)
        elif kept.dataset == example.dataset and example.religion_hate and not kept.religion_hate:
            first[key] = replace(kept, religion_hate=True, hateful=True)
    return [example for key, example in first.items() if key not in conflicted]


def _order(key: str, seed: str) -> str:
    return hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()


def split(examples: Iterable[Example], seed: str = SPLIT_SEED,
          test_share: float = TEST_SHARE) -> tuple[list[Example], list[Example]]:
    """(train, test): stratified, deterministic, no key on both sides (deduplicate first).
    Evaluation-only data sets go wholly to the test slice."""
    strata: dict[tuple, list[Example]] = defaultdict(list)
    held: list[Example] = []
    for example in examples:
        if example.dataset in EVALUATION_ONLY:
            held.append(example)
        else:
            strata[example.stratum].append(example)
    train: list[Example] = []
    test: list[Example] = []
    for stratum in sorted(strata, key=repr):
        members = sorted(strata[stratum], key=lambda e: _order(e.key, seed))
        cut = round(len(members) * test_share)
        test.extend(members[:cut])
        train.extend(members[cut:])
    test.extend(sorted(held, key=lambda e: _order(e.key, seed)))
    return train, test


def in_holdout(key: str, seed: str = SPLIT_SEED, share: float = TEST_SHARE) -> bool:
    """For examples that keep arriving (moderators' decisions): a stable per-text coin, so a
    text in the hold-out stays there as more decisions come in."""
    return int(_order(key, seed)[:8], 16) / 0xFFFFFFFF < share


@cache
def base_split(data_dir: Path = resources.DATA_DIR) -> tuple[tuple[Example, ...], tuple[Example, ...]]:
    """The shipped data, deduplicated and split (train, test); computed once per process."""
    train, test = split(base_examples(data_dir))
    return tuple(train), tuple(test)


def sample(examples: Sequence[Example], size: int | None, seed: str = SPLIT_SEED) -> list[Example]:
    """A deterministic, stratified subset of about ``size`` examples (all of them for None), for
    quick runs and tests; every stratum keeps at least one example."""
    examples = list(examples)
    if size is None or size >= len(examples):
        return examples
    share = size / len(examples)
    strata: dict[tuple, list[Example]] = defaultdict(list)
    for example in examples:
        strata[example.stratum].append(example)
    chosen: list[Example] = []
    for stratum in sorted(strata, key=repr):
        members = sorted(strata[stratum], key=lambda e: _order(e.key, seed))
        chosen.extend(members[:max(1, round(len(members) * share))])
    return chosen
