"""Evidence where the eye is, and reasons that come from the case, never from a default."""

from dataclasses import dataclass, field

import pytest

from tanggap.web.console import suggested_reason
from tanggap.web.evidence import mark_terms, post_evidence, signal_summary


@dataclass
class Post:
    platform_id: int
    text: str
    media: list = field(default_factory=list)


def signal(source, strength, **details):
    return {"source": source, "strength": strength, "explanation": f"{source} said so", "details": details}


def test_lexicon_terms_are_marked_as_whole_words_whatever_their_case():
    pieces = mark_terms("Bergabunglah dengan DAULAH; daulahku bukan (a+b) thaghut.", ["daulah", "thaghut", "(a+b)"])
    assert [text for text, marked in pieces if marked] == ["DAULAH", "(a+b)", "thaghut"]
    assert "".join(text for text, _ in pieces) == "Bergabunglah dengan DAULAH; daulahku bukan (a+b) thaghut."


def test_the_summary_puts_the_strongest_signal_first_in_words():
    summary = signal_summary([signal("lexicon", 0.4), signal("hash:pdq", 0.95), signal("classifier:v3", 0.7)])
    assert [source for source, _, _ in summary] == ["Hash match", "Classifier", "Lexicon terms"]


def test_badges_sit_on_the_flagged_post_and_the_matched_image():
    posts = [Post(1, "halo semua"), Post(2, "ikuti daulah", ["m/2a.jpg", "m/2b.jpg"])]
    found = post_evidence(posts, [signal("classifier", 0.8, posts=[2]), signal("lexicon", 0.4, terms=["daulah"]),
                                  signal("hash:pdq", 0.9, post_id="2", media="m/2b.jpg")])
    assert found["1"].badges == [] and found["1"].matched_media == set()
    assert [kind for kind, _ in found["2"].badges] == ["score", "terms"]
    assert found["2"].matched_media == {"m/2b.jpg"}


@pytest.mark.parametrize(("category", "signals", "reason"), [
    ("gambling", [signal("classifier", 0.99)], "illegal_gambling"),  # the category wins over detection
    ("terrorism", [], "terrorist_content"),
    ("fraud", [], None),  # no policy reason for it: the moderator chooses
    (None, [signal("classifier", 0.91)], "terrorist_content"),
    (None, [signal("classifier", 0.3)], None),  # a hint, not a label
    (None, [signal("hash:pdq", 0.9, labels=["gambling"])], "illegal_gambling"),
    (None, [], None),
])
def test_the_reason_comes_from_the_category_or_a_strong_label_never_a_default(category, signals, reason):
    assert suggested_reason(category, signals) == reason
